using System.Buffers;
using System.Buffers.Binary;
using System.IO.Pipelines;
using Bastion.Ssh.Messages;
using Bastion.Ssh.Transport;
using Bastion.Ssh.Wire;

namespace Bastion.Ssh.Connection;

/// <summary>
/// One open channel (RFC 4254 §5): both flow-control windows, the inbound byte queue (bounded by the window we
/// grant), and EOF/CLOSE half-close bookkeeping. Subclasses decide what the channel is connected to.
/// </summary>
public abstract class SshChannel
{
    private readonly PacketWriter _writer;
    private readonly Pipe _inbound = new(new PipeOptions(pauseWriterThreshold: 0, resumeWriterThreshold: 0, useSynchronizationContext: false));
    private readonly object _gate = new();
    private readonly uint _localWindowSize;
    private long _remoteWindow;
    private uint _localWindowLeft;
    private uint _consumedSinceAdjust;
    private TaskCompletionSource? _windowWaiter;
    private readonly TaskCompletionSource _closed = new(TaskCreationOptions.RunContinuationsAsynchronously);

    internal SshChannel(PacketWriter writer, uint localId, uint remoteId, uint remoteWindow, uint remoteMaxPacket, uint localWindowSize, uint localMaxPacket)
    {
        _writer = writer;
        LocalId = localId;
        RemoteId = remoteId;
        _remoteWindow = remoteWindow;
        RemoteMaxPacket = Math.Clamp(remoteMaxPacket, 1u, 256u * 1024);
        _localWindowSize = localWindowSize;
        _localWindowLeft = localWindowSize;
        LocalMaxPacket = localMaxPacket;
    }

    public uint LocalId { get; }

    public uint RemoteId { get; }

    public uint RemoteMaxPacket { get; }

    public uint LocalMaxPacket { get; }

    public long BytesFromClient { get; private set; }

    public long BytesToClient { get; private set; }

    internal bool EofReceived { get; private set; }

    internal bool EofSent { get; private set; }

    internal bool CloseReceived { get; private set; }

    internal bool CloseSent { get; private set; }

    /// <summary>Completes when both sides have sent CLOSE.</summary>
    public Task Closed => _closed.Task;

    /// <summary>Data the client sent on this channel; consumers report progress with ConsumedAsync so the window reopens.</summary>
    internal PipeReader Inbound => _inbound.Reader;

    /// <summary>Reads client data into <paramref name="destination"/>, reopening the window as it is consumed. 0 = EOF.</summary>
    public async ValueTask<int> ReadInboundAsync(Memory<byte> destination, CancellationToken cancellationToken)
    {
        while (true)
        {
            var result = await _inbound.Reader.ReadAsync(cancellationToken).ConfigureAwait(false);
            var buffer = result.Buffer;
            if (!buffer.IsEmpty)
            {
                var count = (int)Math.Min(buffer.Length, destination.Length);
                buffer.Slice(0, count).CopyTo(destination.Span);
                _inbound.Reader.AdvanceTo(buffer.GetPosition(count));
                await ConsumedAsync(count).ConfigureAwait(false);
                return count;
            }
            _inbound.Reader.AdvanceTo(buffer.Start, buffer.End);
            if (result.IsCompleted || result.IsCanceled)
            {
                return 0;
            }
        }
    }

    /// <summary>Reports that <paramref name="count"/> inbound bytes were delivered; sends WINDOW_ADJUST in batches.</summary>
    internal async ValueTask ConsumedAsync(int count)
    {
        uint adjust = 0;
        lock (_gate)
        {
            _consumedSinceAdjust += (uint)count;
            // Batch adjustments like OpenSSH: reopen once half the window (or several packets) has drained.
            if (!CloseSent && !EofReceived && (_consumedSinceAdjust >= _localWindowSize / 2 || _consumedSinceAdjust >= 4 * LocalMaxPacket))
            {
                adjust = _consumedSinceAdjust;
                _consumedSinceAdjust = 0;
                _localWindowLeft += adjust;
            }
        }
        if (adjust > 0)
        {
            await _writer.EnqueueAsync(new ChannelWindowAdjustMessage(RemoteId, adjust)).ConfigureAwait(false);
        }
    }

    /// <summary>Sends data to the client, split by its max packet size and waiting for its window.</summary>
    public async ValueTask SendDataAsync(ReadOnlyMemory<byte> data, CancellationToken cancellationToken)
    {
        while (!data.IsEmpty)
        {
            var chunk = await ReserveWindowAsync(data.Length, cancellationToken).ConfigureAwait(false);
            var packet = RentDataPacket(chunk);
            data.Span[..chunk].CopyTo(packet.Payload[ChannelDataMessage.HeaderLength..]);
            await _writer.SendAndWaitAsync(packet, cancellationToken).ConfigureAwait(false);
            data = data[chunk..];
        }
    }

    public async ValueTask SendExtendedDataAsync(ReadOnlyMemory<byte> data, CancellationToken cancellationToken)
    {
        while (!data.IsEmpty)
        {
            var chunk = await ReserveWindowAsync(Math.Min(data.Length, (int)RemoteMaxPacket - 4), cancellationToken).ConfigureAwait(false);
            await _writer.EnqueueAsync(new ChannelExtendedDataMessage(RemoteId, ChannelExtendedDataMessage.Stderr, data[..chunk].ToArray()), cancellationToken).ConfigureAwait(false);
            data = data[chunk..];
        }
    }

    /// <summary>
    /// Waits until the client's window allows at least one byte, then reserves up to <paramref name="wanted"/>
    /// bytes (capped by the max packet size) and returns how many.
    /// </summary>
    internal async ValueTask<int> ReserveWindowAsync(int wanted, CancellationToken cancellationToken)
    {
        while (true)
        {
            Task wait;
            lock (_gate)
            {
                if (CloseSent || CloseReceived)
                {
                    throw new OperationCanceledException("channel is closed");
                }
                if (_remoteWindow > 0)
                {
                    var granted = (int)Math.Min(Math.Min(wanted, _remoteWindow), RemoteMaxPacket);
                    _remoteWindow -= granted;
                    BytesToClient += granted;
                    return granted;
                }
                _windowWaiter ??= new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
                wait = _windowWaiter.Task;
            }
            await wait.WaitAsync(cancellationToken).ConfigureAwait(false);
        }
    }

    /// <summary>Returns window reserved by <see cref="ReserveWindowAsync"/> but not used.</summary>
    internal void ReleaseWindow(int unused)
    {
        if (unused <= 0)
        {
            return;
        }
        lock (_gate)
        {
            _remoteWindow += unused;
            BytesToClient -= unused;
        }
    }

    /// <summary>A CHANNEL_DATA packet with room for <paramref name="dataCapacity"/> bytes after the header.</summary>
    internal OutboundPacket RentDataPacket(int dataCapacity)
    {
        var packet = OutboundPacket.Rent(ChannelDataMessage.HeaderLength + dataCapacity, new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously));
        WriteDataHeader(packet, dataCapacity);
        return packet;
    }

    internal void WriteDataHeader(OutboundPacket packet, int dataLength)
    {
        packet.SetPayloadLength(ChannelDataMessage.HeaderLength + dataLength);
        var header = packet.Payload;
        header[0] = MessageNumber.ChannelData;
        BinaryPrimitives.WriteUInt32BigEndian(header[1..], RemoteId);
        BinaryPrimitives.WriteUInt32BigEndian(header[5..], (uint)dataLength);
    }

    internal ValueTask SendPacketAsync(OutboundPacket packet, CancellationToken cancellationToken) =>
        _writer.SendAndWaitAsync(packet, cancellationToken);

    public async ValueTask SendEofAsync()
    {
        lock (_gate)
        {
            if (EofSent || CloseSent)
            {
                return;
            }
            EofSent = true;
        }
        await _writer.EnqueueAsync(new ChannelEofMessage(RemoteId)).ConfigureAwait(false);
    }

    public async ValueTask SendRequestAsync(ChannelRequestDetails request)
    {
        lock (_gate)
        {
            if (CloseSent)
            {
                return;
            }
        }
        await _writer.EnqueueAsync(new ChannelRequestMessage(RemoteId, false, request)).ConfigureAwait(false);
    }

    /// <summary>Sends CLOSE once. The channel is gone when the client's CLOSE has arrived too.</summary>
    public async ValueTask CloseAsync()
    {
        bool complete;
        lock (_gate)
        {
            if (CloseSent)
            {
                return;
            }
            CloseSent = true;
            complete = CloseReceived;
            _windowWaiter?.TrySetResult();
        }
        await _writer.EnqueueAsync(new ChannelCloseMessage(RemoteId)).ConfigureAwait(false);
        if (complete)
        {
            _closed.TrySetResult();
        }
    }

    internal void OnData(ReadOnlySpan<byte> data)
    {
        lock (_gate)
        {
            if (EofReceived || CloseReceived)
            {
                throw new SshProtocolException($"channel {LocalId}: data after EOF or CLOSE");
            }
            if ((uint)data.Length > _localWindowLeft)
            {
                throw new SshProtocolException($"channel {LocalId}: client sent {data.Length} bytes with only {_localWindowLeft} left in the window");
            }
            if ((uint)data.Length > LocalMaxPacket)
            {
                throw new SshProtocolException($"channel {LocalId}: data packet of {data.Length} bytes exceeds the maximum {LocalMaxPacket}");
            }
            _localWindowLeft -= (uint)data.Length;
            BytesFromClient += data.Length;
        }
        if (CloseSent)
        {
            return; // we are closing; nobody will read it
        }
        _inbound.Writer.Write(data);
        // Never blocks: the pipe has no pause threshold because the window already bounds it.
        _ = _inbound.Writer.FlushAsync();
    }

    internal void OnWindowAdjust(uint bytesToAdd)
    {
        lock (_gate)
        {
            _remoteWindow += bytesToAdd;
            if (_remoteWindow > uint.MaxValue)
            {
                throw new SshProtocolException($"channel {LocalId}: window adjusted past 2^32-1");
            }
            _windowWaiter?.TrySetResult();
            _windowWaiter = null;
        }
    }

    internal void OnEof()
    {
        lock (_gate)
        {
            EofReceived = true;
        }
        _inbound.Writer.Complete();
        OnEofReceived();
    }

    internal async ValueTask OnCloseAsync()
    {
        lock (_gate)
        {
            if (CloseReceived)
            {
                throw new SshProtocolException($"channel {LocalId}: CLOSE received twice");
            }
            CloseReceived = true;
            _windowWaiter?.TrySetResult();
        }
        _inbound.Writer.Complete();
        _inbound.Reader.CancelPendingRead();
        OnCloseReceived();
        await CloseAsync().ConfigureAwait(false);
        _closed.TrySetResult();
    }

    /// <summary>Handles a channel request; returns whether it succeeded (sent as SUCCESS/FAILURE if wanted).</summary>
    internal abstract ValueTask<bool> OnRequestAsync(ChannelRequestDetails request, CancellationToken cancellationToken);

    /// <summary>Starts whatever drives the channel once it is confirmed.</summary>
    internal abstract void Start(CancellationToken connectionClosing);

    protected virtual void OnEofReceived() { }

    protected virtual void OnCloseReceived() { }

    /// <summary>Frees resources after the channel is fully closed or the connection ends.</summary>
    internal virtual ValueTask DisposeAsync(string reason)
    {
        _inbound.Writer.Complete();
        _inbound.Reader.Complete();
        lock (_gate)
        {
            _windowWaiter?.TrySetResult();
        }
        _closed.TrySetResult();
        return ValueTask.CompletedTask;
    }

    private protected static void ReturnToPool(byte[] buffer) => ArrayPool<byte>.Shared.Return(buffer);
}
