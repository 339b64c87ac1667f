// The gateway is a Linux service (systemd, Unix file modes for secrets).
[assembly: System.Runtime.Versioning.SupportedOSPlatform("linux")]
