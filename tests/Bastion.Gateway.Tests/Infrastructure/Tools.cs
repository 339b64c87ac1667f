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

    public const string Plink = "/usr/bin/plink";
    public const string Puttygen = "/usr/bin/puttygen";
    public const string Dbclient = "/usr/bin/dbclient";
    public const string Dropbearconvert = "/usr/bin/dropbearconvert";
    public const string Go = "/usr/bin/go";
    public const string Gcc = "/usr/bin/gcc";

    /// <summary>Not tools but build inputs of the interop clients (checked with <see cref="RequireFile"/>).</summary>
    public const string GoCryptoSsh = "/usr/share/gocode/src/golang.org/x/crypto/ssh/client.go";
    public const string Libssh2Header = "/usr/include/libssh2.h";

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
        [Plink] = "putty-tools",
        [Puttygen] = "putty-tools",
        [Dbclient] = "dropbear-bin",
        [Dropbearconvert] = "dropbear-bin",
        [Go] = "golang-go",
        [Gcc] = "gcc",
        [GoCryptoSsh] = "golang-golang-x-crypto-dev",
        [Libssh2Header] = "libssh2-1-dev",
    };

    /// <summary>The Debian package that provides <paramref name="path"/>, or null if unknown.</summary>
    public static string? PackageFor(string path) => Packages.GetValueOrDefault(path);

    /// <summary>Returns <paramref name="path"/> if it exists and is executable; otherwise throws naming the apt package.</summary>
    public static string Require(string path) =>
        ProcessRunner.RequireTool(path, PackageFor(path) ?? "(unknown package)");

    /// <summary>Returns <paramref name="path"/> (a header or source file) if it exists; otherwise throws naming the apt package.</summary>
    public static string RequireFile(string path) =>
        File.Exists(path)
            ? path
            : throw new InvalidOperationException(
                $"required file {path} is missing: install the Debian package '{PackageFor(path)}' (apt-get install -y {PackageFor(path)}), or run ./test.sh.");
}
