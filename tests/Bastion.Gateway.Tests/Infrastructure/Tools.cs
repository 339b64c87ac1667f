namespace Bastion.Gateway.Tests.Infrastructure;

/// <summary>
/// Absolute paths of the external tools the end-to-end tests drive, and the Debian package providing each.
/// Use <see cref="Require"/> so a missing tool fails the test with the package to install (tests never skip).
/// </summary>
public static class Tools
{
    public const string Ssh = "/usr/bin/ssh";
    public const string Scp = "/usr/bin/scp";
    public const string Sftp = "/usr/bin/sftp";
    public const string SshKeygen = "/usr/bin/ssh-keygen";
    public const string SshKeyscan = "/usr/bin/ssh-keyscan";
    public const string Sshd = "/usr/sbin/sshd";
    public const string SftpServer = "/usr/lib/openssh/sftp-server";
    public const string Oathtool = "/usr/bin/oathtool";
    public const string Setsid = "/usr/bin/setsid";
    public const string Sh = "/bin/sh";
    public const string Tmux = "/usr/bin/tmux";

    /// <summary>Debian's python3 (the one with python3-asyncssh / python3-paramiko), by absolute path.</summary>
    public const string Python3 = "/usr/bin/python3";

    private static readonly Dictionary<string, string> Packages = new(StringComparer.Ordinal)
    {
        [Ssh] = "openssh-client",
        [Scp] = "openssh-client",
        [Sftp] = "openssh-client",
        [SshKeygen] = "openssh-client",
        [SshKeyscan] = "openssh-client",
        [Sshd] = "openssh-server",
        [SftpServer] = "openssh-sftp-server",
        [Oathtool] = "oathtool",
        [Setsid] = "util-linux",
        [Sh] = "dash",
        [Tmux] = "tmux",
        [Python3] = "python3",
    };

    /// <summary>The Debian package that provides <paramref name="path"/>, or null if unknown.</summary>
    public static string? PackageFor(string path) => Packages.GetValueOrDefault(path);

    /// <summary>Returns <paramref name="path"/> if it exists and is executable; otherwise throws naming the apt package.</summary>
    public static string Require(string path) =>
        ProcessRunner.RequireTool(path, PackageFor(path) ?? "(unknown package)");
}
