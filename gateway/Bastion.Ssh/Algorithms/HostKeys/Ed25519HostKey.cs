using Bastion.Ssh.Wire;
using NSec.Cryptography;

namespace Bastion.Ssh.Algorithms.HostKeys;

/// <summary>An Ed25519 host key (RFC 8709), signing with "ssh-ed25519".</summary>
public sealed class Ed25519HostKey : HostKey
{
    internal const string TypeName = "ssh-ed25519";
    internal const int SeedBytes = 32;
    internal const int PublicKeyBytes = 32;

    private static readonly string[] Algorithms = [TypeName];

    private readonly Key _key;
    private readonly byte[] _publicKey;

    private Ed25519HostKey(Key key)
    {
        _key = key;
        _publicKey = key.PublicKey.Export(KeyBlobFormat.RawPublicKey);
        using var writer = new SshWriter(64);
        writer.WriteString(TypeName);
        writer.WriteString(_publicKey);
        PublicKeyBlob = writer.ToArray();
    }

    /// <summary>Creates a new random key.</summary>
    public static Ed25519HostKey Generate() =>
        new(Key.Create(SignatureAlgorithm.Ed25519, ExportableKey()));

    /// <summary>Rebuilds a key from its 32-byte RFC 8032 private seed.</summary>
    public static Ed25519HostKey FromSeed(ReadOnlySpan<byte> seed)
    {
        if (seed.Length != SeedBytes)
        {
            throw new ArgumentException($"an Ed25519 seed is {SeedBytes} bytes, got {seed.Length}", nameof(seed));
        }
        return new(Key.Import(SignatureAlgorithm.Ed25519, seed, KeyBlobFormat.RawPrivateKey, ExportableKey()));
    }

    public override string KeyType => TypeName;

    public override IReadOnlyList<string> SignatureAlgorithms => Algorithms;

    public override byte[] PublicKeyBlob { get; }

    /// <summary>The raw 32-byte public key A.</summary>
    internal ReadOnlySpan<byte> PublicKey => _publicKey;

    public override byte[] Sign(string signatureAlgorithm, ReadOnlySpan<byte> data)
    {
        if (signatureAlgorithm != TypeName)
        {
            throw new ArgumentException($"an Ed25519 key cannot sign with {signatureAlgorithm}", nameof(signatureAlgorithm));
        }
        Span<byte> signature = stackalloc byte[64];
        SignatureAlgorithm.Ed25519.Sign(_key, data, signature);
        using var writer = new SshWriter(96);
        writer.WriteString(TypeName);
        writer.WriteString(signature);
        return writer.ToArray();
    }

    /// <summary>Writes the private seed, for saving the key; the caller must wipe <paramref name="seed"/>.</summary>
    internal void ExportSeed(Span<byte> seed)
    {
        if (!_key.TryExport(KeyBlobFormat.RawPrivateKey, seed, out var written) || written != SeedBytes)
        {
            throw new InvalidOperationException("could not export the Ed25519 seed");
        }
    }

    protected override void Dispose(bool disposing)
    {
        if (disposing)
        {
            _key.Dispose();
        }
    }

    // Host keys must be written to disk, so NSec has to allow exporting the private seed.
    private static KeyCreationParameters ExportableKey() =>
        new() { ExportPolicy = KeyExportPolicies.AllowPlaintextExport };
}
