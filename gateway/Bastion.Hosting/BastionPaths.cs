using Bastion.Hosting.Configuration;

namespace Bastion.Hosting;

/// <summary>Where the gateway keeps its files, derived from the data directory unless set individually.</summary>
public sealed record BastionPaths(string DataDirectory, string Database, string SecretKey, IReadOnlyList<string> HostKeys, string AuditJsonLines, string TargetClientKey, string TargetCaKey)
{
    public static BastionPaths From(BastionOptions options)
    {
        var data = Path.GetFullPath(options.DataDirectory);
        var hostKeys = options.Ssh.HostKeyFiles.Count > 0
            ? options.Ssh.HostKeyFiles.Select(Path.GetFullPath).ToList()
            : [Path.Combine(data, "ssh_host_ed25519_key")];
        return new BastionPaths(
            data,
            Path.Combine(data, "bastion.db"),
            Path.Combine(data, "secret.key"),
            hostKeys,
            string.IsNullOrEmpty(options.Audit.JsonLinesPath) ? Path.Combine(data, "audit.jsonl") : Path.GetFullPath(options.Audit.JsonLinesPath),
            string.IsNullOrEmpty(options.Recording.ClientKeyFile) ? Path.Combine(data, "target_client_key") : Path.GetFullPath(options.Recording.ClientKeyFile),
            string.IsNullOrEmpty(options.Recording.CaKeyFile) ? Path.Combine(data, "target_ca_key") : Path.GetFullPath(options.Recording.CaKeyFile));
    }

    /// <summary>Creates the data directory readable by the service user only (it holds the secret key).</summary>
    public void EnsureDataDirectory()
    {
        if (!Directory.Exists(DataDirectory))
        {
            Directory.CreateDirectory(DataDirectory, UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.UserExecute);
        }
    }
}
