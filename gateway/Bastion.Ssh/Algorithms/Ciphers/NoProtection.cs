using System.Buffers.Binary;

namespace Bastion.Ssh.Algorithms.Ciphers;

/// <summary>
/// The "none" cipher and MAC in force before the first SSH_MSG_NEWKEYS (RFC 4253 §6): packets travel in the
/// clear with no tag, aligned to 8 bytes including the length field.
/// </summary>
internal sealed class NoProtection : IPacketProtection
{
    public static readonly NoProtection Instance = new();

    private NoProtection() { }

    public int BlockSize => 8;

    public int TagLength => 0;

    public bool LengthIsAligned => true;

    public uint ReadPacketLength(uint sequenceNumber, ReadOnlySpan<byte> first4) =>
        BinaryPrimitives.ReadUInt32BigEndian(first4);

    public bool Open(uint sequenceNumber, Span<byte> packet, ReadOnlySpan<byte> tag) => tag.IsEmpty;

    public void Seal(uint sequenceNumber, Span<byte> packet, Span<byte> tag) { }

    // Stateless singleton: nothing to release.
    public void Dispose() { }
}
