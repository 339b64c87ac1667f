using System.Security.Cryptography;

namespace Bastion.Ssh.Algorithms.Macs;

/// <summary>
/// HMAC-SHA2 (RFC 6668). The -etm@openssh.com forms are encrypt-then-MAC as OpenSSH defines it (PROTOCOL §1.5) and
/// are offered first. The plain forms are RFC 4253 §6.4's encrypt-and-MAC — the MAC covers the unencrypted packet —
/// offered after them for clients that have no encrypt-then-MAC and no AEAD cipher (libssh2 up to 1.10, Debian 12's);
/// clients that have both pick the -etm forms. Key length equals the digest length.
/// </summary>
public sealed class HmacSha2Mac : MacAlgorithm
{
    public static readonly HmacSha2Mac Sha256Etm = new("hmac-sha2-256-etm@openssh.com", HashAlgorithmName.SHA256, 32, encryptThenMac: true);

    public static readonly HmacSha2Mac Sha512Etm = new("hmac-sha2-512-etm@openssh.com", HashAlgorithmName.SHA512, 64, encryptThenMac: true);

    public static readonly HmacSha2Mac Sha256 = new("hmac-sha2-256", HashAlgorithmName.SHA256, 32, encryptThenMac: false);

    public static readonly HmacSha2Mac Sha512 = new("hmac-sha2-512", HashAlgorithmName.SHA512, 64, encryptThenMac: false);

    private readonly HashAlgorithmName _hash;

    private HmacSha2Mac(string name, HashAlgorithmName hash, int length, bool encryptThenMac)
    {
        Name = name;
        _hash = hash;
        KeyLength = length;
        DigestLength = length;
        EncryptThenMac = encryptThenMac;
    }

    public override string Name { get; }

    public override int KeyLength { get; }

    public override int DigestLength { get; }

    public override bool EncryptThenMac { get; }

    public override IPacketMac Create(ReadOnlySpan<byte> key)
    {
        if (key.Length != KeyLength)
        {
            throw new ArgumentException($"{Name} needs a {KeyLength}-byte key, got {key.Length}", nameof(key));
        }
        return new HmacPacketMac(_hash, key, DigestLength);
    }
}
