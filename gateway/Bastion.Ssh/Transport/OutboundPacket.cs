using System.Buffers;
using Bastion.Ssh.Messages;
using Bastion.Ssh.Wire;

namespace Bastion.Ssh.Transport;

/// <summary>
/// A packet waiting to be sent. The payload sits at <see cref="PayloadOffset"/> in a pooled buffer with room
/// before it for the length and padding-length fields and after it for padding and tag, so the writer frames
/// and encrypts in place without copying.
/// </summary>
internal sealed class OutboundPacket
{
    public const int PayloadOffset = 5;

    /// <summary>Worst case after the payload: padding up to 4 + 2 blocks of 16, plus a 64-byte MAC.</summary>
    public const int TrailerReserve = 4 + 32 + 64;

    private byte[] _buffer;

    private OutboundPacket(byte[] buffer, int payloadLength)
    {
        _buffer = buffer;
        PayloadLength = payloadLength;
    }

    public int PayloadLength { get; private set; }

    public byte Number => _buffer[PayloadOffset];

    public byte[] Buffer => _buffer;

    public Span<byte> Payload => _buffer.AsSpan(PayloadOffset, PayloadLength);

    /// <summary>Completed when the packet is on the wire (or the connection failed), for callers that need backpressure.</summary>
    public TaskCompletionSource? Sent { get; init; }

    /// <summary>Runs in the writer right after this packet is written (used by NEWKEYS to switch keys).</summary>
    public Action? AfterWrite { get; init; }

    public static OutboundPacket Rent(int payloadCapacity, TaskCompletionSource? sent = null) =>
        new(ArrayPool<byte>.Shared.Rent(PayloadOffset + payloadCapacity + TrailerReserve), payloadCapacity) { Sent = sent };

    public static OutboundPacket From(ISshMessage message, Action? afterWrite = null, TaskCompletionSource? sent = null)
    {
        using var writer = new SshWriter();
        message.Write(writer);
        var packet = new OutboundPacket(ArrayPool<byte>.Shared.Rent(PayloadOffset + writer.Length + TrailerReserve), writer.Length)
        {
            AfterWrite = afterWrite,
            Sent = sent,
        };
        writer.WrittenSpan.CopyTo(packet.Payload);
        return packet;
    }

    /// <summary>Shrinks the payload after the caller wrote fewer bytes than it rented for.</summary>
    public void SetPayloadLength(int length) => PayloadLength = length;

    public void Return()
    {
        var buffer = _buffer;
        _buffer = [];
        if (buffer.Length > 0)
        {
            ArrayPool<byte>.Shared.Return(buffer);
        }
    }
}
