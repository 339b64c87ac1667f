// The admin app runs next to the gateway on Linux and shares its configuration classes.
[assembly: System.Runtime.Versioning.SupportedOSPlatform("linux")]
