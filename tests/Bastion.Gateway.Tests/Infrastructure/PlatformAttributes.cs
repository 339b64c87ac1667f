using System.Runtime.Versioning;

// The end-to-end harness drives Linux processes (setsid, /proc, sshd) and is Linux-only.
[assembly: SupportedOSPlatform("linux")]
