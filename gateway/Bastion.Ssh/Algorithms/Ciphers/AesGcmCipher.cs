using Bastion.Ssh.Algorithms.Macs;

namespace Bastion.Ssh.Algorithms.Ciphers;

/// <summary>aes128-gcm@openssh.com and aes256-gcm@openssh.com (RFC 5647 as adopted by OpenSSH).</summary>
/// <remarks>
/// OpenSSH's variant differs from RFC 5647 only in negotiation: the MAC name list is ignored instead of
/// having to name the same GCM algorithm.
/// </remarks>
public sealed class AesGcmCipher : CipherAlgorithm
{
    public static readonly AesGcmCipher Aes128 = new("aes128-gcm@openssh.com", 16);

    public static readonly AesGcmCipher Aes256 = new("aes256-gcm@openssh.com", 32);

    private AesGcmCipher(string name, int keyLength)
    {
        Name = name;
        KeyLength = keyLength;
    }

    public override string Name { get; }

    public override int KeyLength { get; }

    /// <summary>4-byte fixed field followed by the 8-byte initial invocation counter (RFC 5647 §7.1).</summary>
    public override int IvLength => AesGcmProtection.NonceLength;

    public override bool IsAead => true;

    public override IPacketProtection Create(ReadOnlySpan<byte> key, ReadOnlySpan<byte> iv, MacAlgorithm? mac, ReadOnlySpan<byte> macKey)
    {
        if (key.Length != KeyLength)
        {
            throw new ArgumentException($"{Name} needs a {KeyLength}-byte key, got {key.Length}", nameof(key));
        }
        if (iv.Length != IvLength)
        {
            throw new ArgumentException($"{Name} needs a {IvLength}-byte IV, got {iv.Length}", nameof(iv));
        }
        return new AesGcmProtection(key, iv);
    }
}
