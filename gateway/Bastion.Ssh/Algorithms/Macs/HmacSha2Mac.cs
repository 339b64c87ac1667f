using System.Security.Cryptography;

namespace Bastion.Ssh.Algorithms.Macs;

/// <summary>
/// hmac-sha2-256 and hmac-sha2-512 (RFC 6668) in the original encrypt-and-MAC mode of RFC 4253 §6.4: the MAC covers
/// the sequence number and the unencrypted packet. Offered after the -etm@openssh.com forms, for clients that have no
/// encrypt-then-MAC and no AEAD cipher (libssh2 up to 1.10, Debian 12's); with the others the -etm forms win.
/// </summary>
public sealed class HmacSha2Mac : MacAlgorithm
{
    public static readonly HmacSha2Mac Sha256 = new("hmac-sha2-256", HashAlgorithmName.SHA256, 32);

    public static readonly HmacSha2Mac Sha512 = new("hmac-sha2-512", HashAlgorithmName.SHA512, 64);

    private readonly HashAlgorithmName _hash;

    private HmacSha2Mac(string name, HashAlgorithmName hash, int length)
    {
        Name = name;
        _hash = hash;
        KeyLength = length;
        DigestLength = length;
    }

    public override string Name { get; }

    public override int KeyLength { get; }

    public override int DigestLength { get; }

    public override bool EncryptThenMac => false;

    public override IPacketMac Create(ReadOnlySpan<byte> key)
    {
        if (key.Length != KeyLength)
        {
            throw new ArgumentException($"{Name} needs a {KeyLength}-byte key, got {key.Length}", nameof(key));
        }
        return new HmacPacketMac(_hash, key, DigestLength);
    }
}
