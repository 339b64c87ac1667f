using Bastion.Ssh.Algorithms.Ciphers;
using Bastion.Ssh.Wire;

namespace Bastion.Ssh.Transport;

/// <summary>A decrypted, authenticated packet payload; valid until the next read.</summary>
internal readonly record struct ReceivedPacket(ReadOnlyMemory<byte> Payload, uint SequenceNumber)
{
    public byte Number => Payload.Span[0];
}

/// <summary>
/// The receiving half of the binary packet protocol (RFC 4253 §6): validates lengths before buffering,
/// authenticates before using plaintext, and tracks the sequence number.
/// </summary>
internal sealed class PacketReader : IDisposable
{
    /// <summary>OpenSSH's PACKET_MAX_SIZE: larger claims are hostile or broken.</summary>
    public const int MaxPacketLength = 256 * 1024;

    private readonly InputBuffer _input;
    private IPacketProtection _protection = NoProtection.Instance;
    private int _pendingConsume;

    public PacketReader(InputBuffer input) => _input = input;

    public uint SequenceNumber { get; private set; }

    public long BytesSinceKeyChange { get; private set; }

    public long TotalBytes { get; private set; }

    /// <summary>Reads the next packet; null when the peer closed the connection between packets.</summary>
    public async ValueTask<ReceivedPacket?> ReadAsync(CancellationToken cancellationToken)
    {
        ReleasePrevious();
        if (!await _input.FillAsync(4, cancellationToken).ConfigureAwait(false))
        {
            return null;
        }
        var protection = _protection;
        var packetLength = protection.ReadPacketLength(SequenceNumber, _input.Span[..4]);
        if (packetLength < 5 || packetLength > MaxPacketLength)
        {
            throw new SshProtocolException($"packet length {packetLength} is outside 5..{MaxPacketLength}");
        }
        var aligned = protection.LengthIsAligned ? packetLength + 4 : packetLength;
        if (aligned % (uint)protection.BlockSize != 0)
        {
            throw new SshProtocolException($"packet length {packetLength} is not a multiple of the cipher block size {protection.BlockSize}");
        }
        var total = 4 + (int)packetLength + protection.TagLength;
        await _input.FillAsync(total, cancellationToken).ConfigureAwait(false);
        var span = _input.Span[..total];
        if (!protection.Open(SequenceNumber, span[..(4 + (int)packetLength)], span.Slice(4 + (int)packetLength, protection.TagLength)))
        {
            throw new SshProtocolException(DisconnectReason.MacError, "message authentication failed (corrupt or forged packet)");
        }
        var paddingLength = span[4];
        var payloadLength = (int)packetLength - paddingLength - 1;
        if (paddingLength < 4 || payloadLength < 1)
        {
            throw new SshProtocolException($"invalid padding length {paddingLength} for packet length {packetLength}");
        }
        var payload = _input.Memory.Slice(5, payloadLength);
        var packet = new ReceivedPacket(payload, SequenceNumber);
        SequenceNumber++;
        BytesSinceKeyChange += total;
        TotalBytes += total;
        _pendingConsume = total;
        return packet;
    }

    /// <summary>Takes new keys into use for every packet after the NEWKEYS just read.</summary>
    public void ChangeProtection(IPacketProtection protection, bool resetSequenceNumber)
    {
        _protection.Dispose();
        _protection = protection;
        BytesSinceKeyChange = 0;
        if (resetSequenceNumber)
        {
            SequenceNumber = 0;
        }
    }

    private void ReleasePrevious()
    {
        if (_pendingConsume > 0)
        {
            _input.Consume(_pendingConsume);
            _pendingConsume = 0;
        }
    }

    public void Dispose()
    {
        ReleasePrevious();
        _protection.Dispose();
    }
}
