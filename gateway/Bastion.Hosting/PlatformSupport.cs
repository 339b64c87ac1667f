// Bastion runs as a Linux service (systemd, Unix file modes for the data directory and secrets).
[assembly: System.Runtime.Versioning.SupportedOSPlatform("linux")]
