using Bastion.Ssh.Algorithms.Macs;

namespace Bastion.Ssh.Algorithms.Ciphers;

/// <summary>aes128-ctr and aes256-ctr (RFC 4344), with an encrypt-then-MAC MAC or, for older clients, an encrypt-and-MAC one.</summary>
public sealed class AesCtrCipher : CipherAlgorithm
{
    public static readonly AesCtrCipher Aes128 = new("aes128-ctr", 16);

    public static readonly AesCtrCipher Aes256 = new("aes256-ctr", 32);

    private AesCtrCipher(string name, int keyLength)
    {
        Name = name;
        KeyLength = keyLength;
    }

    public override string Name { get; }

    public override int KeyLength { get; }

    /// <summary>The initial 128-bit counter value.</summary>
    public override int IvLength => 16;

    public override bool IsAead => false;

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
        ArgumentNullException.ThrowIfNull(mac);
        return mac.EncryptThenMac
            ? new AesCtrEtmProtection(new AesCtrKeystream(key, iv), mac.Create(macKey))
            : new AesCtrEncryptAndMacProtection(new AesCtrKeystream(key, iv), mac.Create(macKey));
    }
}
