using System.Buffers.Binary;

namespace Bastion.Ssh.Algorithms.Ciphers;

/// <summary>The "none" state before the first NEWKEYS: plaintext, no MAC (RFC 4253 §6).</summary>
public sealed class NoProtection : IPacketProtection
{
    public int BlockSize => 8;

    public int TagLength => 0;

    public bool LengthIsAligned => true;

    public uint ReadPacketLength(uint sequenceNumber, ReadOnlySpan<byte> first4) => BinaryPrimitives.ReadUInt32BigEndian(first4);

    public bool Open(uint sequenceNumber, Span<byte> packet, ReadOnlySpan<byte> tag) => true;

    public void Seal(uint sequenceNumber, Span<byte> packet, Span<byte> tag) { }

    public void Dispose() { }
}
