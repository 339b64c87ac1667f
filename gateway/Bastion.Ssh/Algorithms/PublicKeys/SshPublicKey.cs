using System.Security.Cryptography;
using Bastion.Ssh.Wire;

namespace Bastion.Ssh.Algorithms.PublicKeys;

/// <summary>A public key blob with its type, as carried in userauth requests and authorized_keys lines.</summary>
public sealed class SshPublicKey : IEquatable<SshPublicKey>
{
    public SshPublicKey(byte[] blob)
    {
        var reader = new SshReader(blob);
        KeyType = reader.ReadString();
        Blob = blob;
    }

    public string KeyType { get; }

    public byte[] Blob { get; }

    public string Fingerprint => FingerprintOf(Blob);

    /// <summary>"SHA256:" + unpadded base64 of SHA-256 over the blob, as ssh-keygen -l prints it.</summary>
    public static string FingerprintOf(ReadOnlySpan<byte> blob) =>
        "SHA256:" + Convert.ToBase64String(SHA256.HashData(blob)).TrimEnd('=');

    public bool Equals(SshPublicKey? other) => other is not null && Blob.AsSpan().SequenceEqual(other.Blob);

    public override bool Equals(object? obj) => Equals(obj as SshPublicKey);

    public override int GetHashCode()
    {
        var hash = new HashCode();
        hash.AddBytes(Blob);
        return hash.ToHashCode();
    }

    public override string ToString() => $"{KeyType} {Fingerprint}";
}
