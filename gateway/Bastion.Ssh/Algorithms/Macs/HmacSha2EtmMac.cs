using System.Security.Cryptography;

namespace Bastion.Ssh.Algorithms.Macs;

/// <summary>
/// hmac-sha2-256-etm@openssh.com and hmac-sha2-512-etm@openssh.com: HMAC-SHA2 (RFC 6668) applied
/// encrypt-then-MAC as OpenSSH defines it (PROTOCOL §1.5). Key length equals the digest length.
/// </summary>
public sealed class HmacSha2EtmMac : MacAlgorithm
{
    public static readonly HmacSha2EtmMac Sha256 = new("hmac-sha2-256-etm@openssh.com", HashAlgorithmName.SHA256, 32);

    public static readonly HmacSha2EtmMac Sha512 = new("hmac-sha2-512-etm@openssh.com", HashAlgorithmName.SHA512, 64);

    private readonly HashAlgorithmName _hash;

    private HmacSha2EtmMac(string name, HashAlgorithmName hash, int length)
    {
        Name = name;
        _hash = hash;
        KeyLength = length;
        DigestLength = length;
    }

    public override string Name { get; }

    public override int KeyLength { get; }

    public override int DigestLength { get; }

    public override bool EncryptThenMac => true;

    public override IPacketMac Create(ReadOnlySpan<byte> key)
    {
        if (key.Length != KeyLength)
        {
            throw new ArgumentException($"{Name} needs a {KeyLength}-byte key, got {key.Length}", nameof(key));
        }
        return new HmacPacketMac(_hash, key, DigestLength);
    }
}
