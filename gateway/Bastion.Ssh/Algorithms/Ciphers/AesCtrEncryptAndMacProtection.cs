using System.Buffers.Binary;

namespace Bastion.Ssh.Algorithms.Ciphers;

/// <summary>
/// AES-CTR with a MAC in RFC 4253's original encrypt-and-MAC mode: the whole packet, packet_length included, is
/// encrypted, and the MAC covers uint32 sequence_number || the unencrypted packet. The length has to be decrypted
/// and used (range and alignment checked by the packet reader) before the packet can be authenticated — the reason
/// the -etm forms are preferred; with a stream cipher such as CTR that reveals no more than the length itself.
/// </summary>
internal sealed class AesCtrEncryptAndMacProtection : IPacketProtection
{
    private const int LengthBytes = 4;

    private readonly AesCtrKeystream _keystream;
    private readonly Macs.IPacketMac _mac;
    private readonly byte[] _length = new byte[LengthBytes];

    public AesCtrEncryptAndMacProtection(AesCtrKeystream keystream, Macs.IPacketMac mac)
    {
        _keystream = keystream;
        _mac = mac;
    }

    public int BlockSize => 16;

    public int TagLength => _mac.DigestLength;

    /// <summary>True: the length is encrypted with the rest, so length field + body align to the block size.</summary>
    public bool LengthIsAligned => true;

    /// <summary>
    /// Decrypts the length (the keystream moves on by 4 bytes; <see cref="Open"/> continues from there). Called once
    /// per packet, before <see cref="Open"/>.
    /// </summary>
    public uint ReadPacketLength(uint sequenceNumber, ReadOnlySpan<byte> first4)
    {
        first4[..LengthBytes].CopyTo(_length);
        _keystream.Transform(_length);
        return BinaryPrimitives.ReadUInt32BigEndian(_length);
    }

    public bool Open(uint sequenceNumber, Span<byte> packet, ReadOnlySpan<byte> tag)
    {
        if (packet.Length < LengthBytes || tag.Length != _mac.DigestLength)
        {
            return false;
        }
        _length.CopyTo(packet);
        _keystream.Transform(packet[LengthBytes..]);
        return _mac.Verify(sequenceNumber, packet, tag);
    }

    public void Seal(uint sequenceNumber, Span<byte> packet, Span<byte> tag)
    {
        if (packet.Length < LengthBytes || tag.Length < _mac.DigestLength)
        {
            throw new ArgumentException("packet shorter than its length field or tag buffer too small");
        }
        _mac.Compute(sequenceNumber, packet, tag[.._mac.DigestLength]);
        _keystream.Transform(packet);
    }

    public void Dispose()
    {
        _keystream.Dispose();
        _mac.Dispose();
    }
}
