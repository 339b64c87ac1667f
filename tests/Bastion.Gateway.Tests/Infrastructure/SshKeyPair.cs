namespace Bastion.Gateway.Tests.Infrastructure;

/// <summary>Key types <see cref="SshKeyPair.Generate"/> can make (ssh-keygen -t).</summary>
public enum SshKeyType
{
    Ed25519,
    Ecdsa,
    Rsa,
}

/// <summary>An OpenSSH key pair on disk, made by the real <c>ssh-keygen</c>.</summary>
/// <param name="Type">Key type.</param>
/// <param name="PrivateKeyPath">Private key file (mode 0600), usable with <c>ssh -i</c>.</param>
/// <param name="PublicKeyLine">authorized_keys line: "ssh-ed25519 AAAA… comment".</param>
/// <param name="Fingerprint">"SHA256:…" (ssh-keygen -l -E sha256).</param>
public sealed record SshKeyPair(SshKeyType Type, string PrivateKeyPath, string PublicKeyLine, string Fingerprint)
{
    /// <summary>The .pub file next to the private key.</summary>
    public string PublicKeyPath => PrivateKeyPath + ".pub";

    /// <summary>Public key without the comment: "ssh-ed25519 AAAA…".</summary>
    public string PublicKeyBlob => string.Join(' ', PublicKeyLine.Split(' ', StringSplitOptions.RemoveEmptyEntries).Take(2));

    /// <summary>Synchronous form of <see cref="GenerateAsync"/>.</summary>
    public static SshKeyPair Generate(string directory, SshKeyType type = SshKeyType.Ed25519, string? name = null, string? passphrase = null) =>
        GenerateAsync(directory, type, name, passphrase).GetAwaiter().GetResult();

    /// <summary>
    /// Runs <c>ssh-keygen -q -t TYPE -N PASSPHRASE -C NAME -f DIR/NAME</c> (ecdsa: 256 bits, rsa: 3072 bits).
    /// <paramref name="name"/> defaults to "id_TYPE"; an existing file of that name is an error.
    /// </summary>
    public static async Task<SshKeyPair> GenerateAsync(string directory, SshKeyType type = SshKeyType.Ed25519, string? name = null, string? passphrase = null)
    {
        var keygen = Tools.Require(Tools.SshKeygen);
        var t = type.ToString().ToLowerInvariant();
        var path = Path.Combine(directory, name ?? "id_" + t);
        var args = new List<string> { "-q", "-t", t };
        args.AddRange(type switch
        {
            SshKeyType.Ecdsa => ["-b", "256"],
            SshKeyType.Rsa => ["-b", "3072"],
            _ => [],
        });
        args.AddRange(["-N", passphrase ?? "", "-C", Path.GetFileName(path), "-f", path]);
        (await ProcessRunner.RunAsync(new ProcessSpec(keygen, args)).ConfigureAwait(false)).EnsureSuccess("ssh-keygen");
        var publicLine = (await File.ReadAllTextAsync(path + ".pub").ConfigureAwait(false)).Trim();
        return new SshKeyPair(type, path, publicLine, await FingerprintAsync(path + ".pub").ConfigureAwait(false));
    }

    /// <summary>"SHA256:…" fingerprint of a public key file (or known_hosts/authorized_keys line file).</summary>
    public static async Task<string> FingerprintAsync(string publicKeyFile)
    {
        var result = (await ProcessRunner.RunAsync(Tools.Require(Tools.SshKeygen), "-l", "-E", "sha256", "-f", publicKeyFile).ConfigureAwait(false))
            .EnsureSuccess("ssh-keygen -l");
        // "256 SHA256:abc… comment (ED25519)"
        return result.StandardOutput.Split(' ', StringSplitOptions.RemoveEmptyEntries)[1];
    }
}
