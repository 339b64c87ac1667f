using Bastion.Ssh.Algorithms.Macs;

namespace Bastion.Ssh.Algorithms.Ciphers;

/// <summary>chacha20-poly1305@openssh.com (OpenSSH PROTOCOL.chacha20poly1305).</summary>
public sealed class ChaCha20Poly1305Cipher : CipherAlgorithm
{
    public static readonly ChaCha20Poly1305Cipher Instance = new();

    private ChaCha20Poly1305Cipher() { }

    public override string Name => "chacha20-poly1305@openssh.com";

    /// <summary>Two 256-bit ChaCha20 keys: the payload key K_2 followed by the length key K_1.</summary>
    public override int KeyLength => 64;

    /// <summary>The nonce is the packet sequence number, so no IV is derived.</summary>
    public override int IvLength => 0;

    public override bool IsAead => true;

    public override IPacketProtection Create(ReadOnlySpan<byte> key, ReadOnlySpan<byte> iv, MacAlgorithm? mac, ReadOnlySpan<byte> macKey)
    {
        if (key.Length != KeyLength)
        {
            throw new ArgumentException($"{Name} needs a {KeyLength}-byte key, got {key.Length}", nameof(key));
        }
        return new ChaCha20Poly1305Protection(key);
    }
}
