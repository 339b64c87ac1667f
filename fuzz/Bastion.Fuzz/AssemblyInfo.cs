// The gateway it calls runs on Linux only (systemd, /proc); so does the fuzzer (AFL++).
[assembly: System.Runtime.Versioning.SupportedOSPlatform("linux")]
