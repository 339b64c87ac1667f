namespace Bastion.Ssh.Algorithms.Ciphers;

/// <summary>
/// Protects the binary packets of one direction once keys are in use: a cipher plus its MAC (or an AEAD).
/// The packet layer works in two steps per incoming packet: <see cref="ReadPacketLength"/> on the first
/// 4 bytes, then <see cref="Open"/> on the whole packet and its tag. EtM and GCM keep the packet length in the
/// clear and chacha20-poly1305 encrypts it separately, so no plaintext is used before <see cref="Open"/> succeeds;
/// encrypt-and-MAC (hmac-sha2-256/512 with AES-CTR, for older clients) must decrypt the length first, and only the
/// length is used — range- and alignment-checked — before authentication.
/// </summary>
public interface IPacketProtection : IDisposable
{
    /// <summary>Padding alignment: packet_length field + body must be a multiple of this (8 or 16).</summary>
    int BlockSize { get; }

    /// <summary>Bytes of MAC or AEAD tag that follow each packet on the wire.</summary>
    int TagLength { get; }

    /// <summary>
    /// Whether the 4-byte packet_length counts toward the block alignment. True for every mode except
    /// AES-GCM and chacha20-poly1305 / EtM, where only the body must be aligned (RFC 5647 §7.2, PROTOCOL).
    /// </summary>
    bool LengthIsAligned { get; }

    /// <summary>
    /// Returns the packet_length field from the first 4 bytes on the wire (decrypting it if the mode encrypts it).
    /// Called once per packet, before <see cref="Open"/>.
    /// </summary>
    uint ReadPacketLength(uint sequenceNumber, ReadOnlySpan<byte> first4);

    /// <summary>
    /// Authenticates <paramref name="packet"/> (4-byte length as received + body) against <paramref name="tag"/>
    /// and decrypts the body in place. Returns false if authentication fails; the packet is then garbage.
    /// </summary>
    bool Open(uint sequenceNumber, Span<byte> packet, ReadOnlySpan<byte> tag);

    /// <summary>
    /// Encrypts <paramref name="packet"/> (4-byte plaintext length + padded body) in place and writes the tag.
    /// </summary>
    void Seal(uint sequenceNumber, Span<byte> packet, Span<byte> tag);
}
