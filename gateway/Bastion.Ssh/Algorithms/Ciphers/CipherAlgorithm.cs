using Bastion.Ssh.Algorithms.Macs;

namespace Bastion.Ssh.Algorithms.Ciphers;

/// <summary>One negotiable cipher, keyed by its wire name.</summary>
public abstract class CipherAlgorithm
{
    public abstract string Name { get; }

    public abstract int KeyLength { get; }

    public abstract int IvLength { get; }

    /// <summary>AEAD ciphers carry their own tag; the negotiated MAC is ignored (RFC 5647, PROTOCOL.chacha20poly1305).</summary>
    public abstract bool IsAead { get; }

    /// <summary>Creates the protection for one direction. <paramref name="mac"/> is null for AEAD ciphers.</summary>
    public abstract IPacketProtection Create(ReadOnlySpan<byte> key, ReadOnlySpan<byte> iv, MacAlgorithm? mac, ReadOnlySpan<byte> macKey);
}
