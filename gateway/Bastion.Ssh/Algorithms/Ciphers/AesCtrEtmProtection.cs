using System.Buffers.Binary;

namespace Bastion.Ssh.Algorithms.Ciphers;

/// <summary>
/// AES-CTR with an encrypt-then-MAC MAC (OpenSSH PROTOCOL §1.5): packet_length stays in the clear, the body is
/// encrypted, and the MAC covers uint32 sequence_number || packet_length || encrypted body. The MAC is checked
/// before anything is decrypted.
/// </summary>
internal sealed class AesCtrEtmProtection : IPacketProtection
{
    private const int LengthBytes = 4;

    private readonly AesCtrKeystream _keystream;
    private readonly Macs.IPacketMac _mac;

    public AesCtrEtmProtection(AesCtrKeystream keystream, Macs.IPacketMac mac)
    {
        _keystream = keystream;
        _mac = mac;
    }

    public int BlockSize => 16;

    public int TagLength => _mac.DigestLength;

    /// <summary>
    /// False: with EtM the length is not encrypted, and OpenSSH (packet.c, aadlen = 4) pads and checks only
    /// padding_length || payload || padding against the block size, i.e. packet_length % 16 == 0.
    /// </summary>
    public bool LengthIsAligned => false;

    public uint ReadPacketLength(uint sequenceNumber, ReadOnlySpan<byte> first4) =>
        BinaryPrimitives.ReadUInt32BigEndian(first4);

    public bool Open(uint sequenceNumber, Span<byte> packet, ReadOnlySpan<byte> tag)
    {
        if (packet.Length < LengthBytes || tag.Length != _mac.DigestLength)
        {
            return false;
        }
        if (!_mac.Verify(sequenceNumber, packet, tag))
        {
            return false;
        }
        _keystream.Transform(packet[LengthBytes..]);
        return true;
    }

    public void Seal(uint sequenceNumber, Span<byte> packet, Span<byte> tag)
    {
        if (packet.Length < LengthBytes || tag.Length < _mac.DigestLength)
        {
            throw new ArgumentException("packet shorter than its length field or tag buffer too small");
        }
        _keystream.Transform(packet[LengthBytes..]);
        _mac.Compute(sequenceNumber, packet, tag[.._mac.DigestLength]);
    }

    public void Dispose()
    {
        _keystream.Dispose();
        _mac.Dispose();
    }
}
