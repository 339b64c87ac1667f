using Bastion.Gateway.Hosting;
using Bastion.Ssh.Algorithms.HostKeys;

namespace Bastion.Gateway.Doctor;

/// <summary>The gateway's files: there, readable, and private. Reads only; creates nothing.</summary>
public static class FileChecks
{
    private const UnixFileMode GroupOrOther =
        UnixFileMode.GroupRead | UnixFileMode.GroupWrite | UnixFileMode.GroupExecute |
        UnixFileMode.OtherRead | UnixFileMode.OtherWrite | UnixFileMode.OtherExecute;

    public static DoctorFinding DataDirectory(BastionPaths paths)
    {
        const string check = "data";
        if (!Directory.Exists(paths.DataDirectory))
        {
            return DoctorFinding.Fail(check, $"{paths.DataDirectory} does not exist; start the gateway once (it creates it) or run systemd/install.sh");
        }
        var mode = File.GetUnixFileMode(paths.DataDirectory);
        if ((mode & (UnixFileMode.OtherRead | UnixFileMode.OtherExecute)) != 0)
        {
            return DoctorFinding.Warn(check, $"{paths.DataDirectory} is open to every local user (mode {Octal(mode)}); it holds the secret key and the database: chmod 700 {paths.DataDirectory}");
        }
        return DoctorFinding.Ok(check, $"{paths.DataDirectory} (mode {Octal(mode)})");
    }

    public static IEnumerable<DoctorFinding> HostKeys(BastionPaths paths)
    {
        foreach (var path in paths.HostKeys)
        {
            if (!File.Exists(path))
            {
                yield return DoctorFinding.Warn("host key", $"{path} does not exist yet; the gateway generates it at its first start (then tell users its fingerprint)");
                continue;
            }
            if (PrivateFileProblem(path) is { } problem)
            {
                yield return DoctorFinding.Fail("host key", problem);
                continue;
            }
            yield return Describe(path);
        }
    }

    private static DoctorFinding Describe(string hostKeyPath)
    {
        try
        {
            using var key = HostKeyFile.Load(hostKeyPath);
            return DoctorFinding.Ok("host key", $"{key.KeyType} {key.Fingerprint} ({hostKeyPath})");
        }
        catch (HostKeyFileException ex)
        {
            return DoctorFinding.Fail("host key", ex.Message);
        }
    }

    /// <summary>A private key file that must exist once the gateway has run (the secret key sealing TOTP seeds).</summary>
    public static DoctorFinding SecretKey(BastionPaths paths)
    {
        const string check = "secret key";
        if (!File.Exists(paths.SecretKey))
        {
            return DoctorFinding.Warn(check, $"{paths.SecretKey} does not exist yet; it is created at the first start. If users were enrolled before, restore it from backup: without it their TOTP seeds cannot be read");
        }
        return PrivateFileProblem(paths.SecretKey) is { } problem
            ? DoctorFinding.Fail(check, problem)
            : DoctorFinding.Ok(check, $"{paths.SecretKey} (mode {Octal(File.GetUnixFileMode(paths.SecretKey))})");
    }

    /// <summary>A key the gateway generates on first use (recorded sessions): absent is fine, exposed is not.</summary>
    public static DoctorFinding OptionalKey(string check, string path, string whenAbsent)
    {
        if (!File.Exists(path))
        {
            return DoctorFinding.Ok(check, $"{path} not created yet; {whenAbsent}");
        }
        return PrivateFileProblem(path) is { } problem ? DoctorFinding.Fail(check, problem) : DoctorFinding.Ok(check, path);
    }

    private static string? PrivateFileProblem(string path)
    {
        try
        {
            using (File.OpenRead(path))
            {
            }
        }
        catch (UnauthorizedAccessException)
        {
            return $"{path} is not readable by {Environment.UserName}; run doctor as the service user: sudo -u bastion bastion doctor";
        }
        var mode = File.GetUnixFileMode(path);
        return (mode & GroupOrOther) != 0
            ? $"{path} is readable by others (mode {Octal(mode)}); it is a private key: chmod 600 {path}"
            : null;
    }

    private static string Octal(UnixFileMode mode) => Convert.ToString((int)mode, 8).PadLeft(4, '0');
}
