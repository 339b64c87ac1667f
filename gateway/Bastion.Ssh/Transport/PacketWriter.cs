using System.Buffers.Binary;
using System.Security.Cryptography;
using System.Threading.Channels;
using Bastion.Ssh.Algorithms.Ciphers;
using Bastion.Ssh.Messages;

namespace Bastion.Ssh.Transport;

/// <summary>
/// The sending half of the binary packet protocol, run as one loop per connection: every part of the session
/// (kex, auth, channel pumps) enqueues packets and only this loop touches the stream and the cipher state.
/// While a key exchange is in progress it holds back everything that is not a kex message (RFC 4253 §7.1)
/// and sends it, in order, once NEWKEYS is out.
/// </summary>
internal sealed class PacketWriter : IAsyncDisposable
{
    /// <summary>Bounds queued packets; producers that await <see cref="OutboundPacket.Sent"/> are throttled further by the socket.</summary>
    private const int QueueCapacity = 256;

    private readonly Stream _stream;
    private readonly Channel<OutboundPacket> _queue;
    private readonly Queue<OutboundPacket> _heldDuringKex = new();
    private readonly Task _loop;
    private readonly CancellationTokenSource _stop = new();
    private IPacketProtection _protection = NoProtection.Instance;
    private bool _keyExchangeInProgress;
    private bool _disconnectWritten;

    public PacketWriter(Stream stream)
    {
        _stream = stream;
        _queue = Channel.CreateBounded<OutboundPacket>(new BoundedChannelOptions(QueueCapacity)
        {
            SingleReader = true,
            FullMode = BoundedChannelFullMode.Wait,
        });
        _loop = Task.Run(RunAsync);
    }

    public uint SequenceNumber { get; private set; }

    public long BytesSinceKeyChange { get; private set; }

    public long TotalBytes { get; private set; }

    /// <summary>Called in the writer loop after each packet, so the owner can decide to start a rekey.</summary>
    public Action? AfterEachPacket { get; set; }

    /// <summary>Completes when the loop ends; faulted if writing failed.</summary>
    public Task Completion => _loop;

    public ValueTask EnqueueAsync(OutboundPacket packet, CancellationToken cancellationToken = default) =>
        _queue.Writer.WriteAsync(packet, cancellationToken);

    public ValueTask EnqueueAsync(ISshMessage message, CancellationToken cancellationToken = default) =>
        EnqueueAsync(OutboundPacket.From(message), cancellationToken);

    /// <summary>Queues a message unless the queue is full (the peer is not reading); never waits.</summary>
    public bool TryEnqueue(ISshMessage message)
    {
        var packet = OutboundPacket.From(message);
        if (_queue.Writer.TryWrite(packet))
        {
            return true;
        }
        packet.Return();
        return false;
    }

    /// <summary>Enqueues and waits until the packet is on the wire: backpressure for bulk data producers.</summary>
    public async ValueTask SendAndWaitAsync(OutboundPacket packet, CancellationToken cancellationToken)
    {
        var sent = packet.Sent ?? throw new InvalidOperationException("packet needs a Sent completion source");
        await _queue.Writer.WriteAsync(packet, cancellationToken).ConfigureAwait(false);
        await sent.Task.WaitAsync(cancellationToken).ConfigureAwait(false);
    }

    /// <summary>Takes new keys into use for every packet after the NEWKEYS just written. Runs in the writer loop.</summary>
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

    /// <summary>Stops accepting packets; the loop sends what is queued, then ends.</summary>
    public void Complete() => _queue.Writer.TryComplete();

    private async Task RunAsync()
    {
        try
        {
            var reader = _queue.Reader;
            while (await reader.WaitToReadAsync(_stop.Token).ConfigureAwait(false))
            {
                while (reader.TryRead(out var packet))
                {
                    if (_disconnectWritten)
                    {
                        // RFC 4253 §11.1: nothing follows a DISCONNECT; what the wind-down queues after it is dropped.
                        packet.Sent?.TrySetException(new ObjectDisposedException(nameof(PacketWriter), "the connection is closing"));
                        packet.Return();
                        continue;
                    }
                    if (_keyExchangeInProgress && !MayBeSentDuringKex(packet.Number))
                    {
                        _heldDuringKex.Enqueue(packet);
                        continue;
                    }
                    await WriteAsync(packet).ConfigureAwait(false);
                    while (!_keyExchangeInProgress && _heldDuringKex.TryDequeue(out var held))
                    {
                        await WriteAsync(held).ConfigureAwait(false);
                    }
                }
                await _stream.FlushAsync(_stop.Token).ConfigureAwait(false);
            }
        }
        catch (Exception ex)
        {
            FailPending(ex);
            throw;
        }
        FailPending(new ObjectDisposedException(nameof(PacketWriter), "the connection is closing"));
    }

    private static bool MayBeSentDuringKex(byte number) =>
        MessageNumber.IsKeyExchange(number) || number == MessageNumber.Disconnect;

    private async ValueTask WriteAsync(OutboundPacket packet)
    {
        try
        {
            var number = packet.Number;
            if (number == MessageNumber.KexInit)
            {
                _keyExchangeInProgress = true;
            }
            var length = Frame(packet);
            await _stream.WriteAsync(packet.Buffer.AsMemory(0, length), _stop.Token).ConfigureAwait(false);
            SequenceNumber++;
            BytesSinceKeyChange += length;
            TotalBytes += length;
            if (number == MessageNumber.NewKeys)
            {
                _keyExchangeInProgress = false;
            }
            if (number == MessageNumber.Disconnect)
            {
                _disconnectWritten = true;
            }
            packet.AfterWrite?.Invoke();
            packet.Sent?.TrySetResult();
        }
        catch (Exception ex)
        {
            packet.Sent?.TrySetException(ex);
            throw;
        }
        finally
        {
            packet.Return();
        }
        AfterEachPacket?.Invoke();
    }

    /// <summary>Adds length, padding and tag around the payload and encrypts in place; returns bytes to send.</summary>
    private int Frame(OutboundPacket packet)
    {
        var protection = _protection;
        var blockSize = protection.BlockSize;
        var unpadded = 1 + packet.PayloadLength + (protection.LengthIsAligned ? 4 : 0);
        var padding = blockSize - (unpadded % blockSize);
        if (padding < 4)
        {
            padding += blockSize;
        }
        var packetLength = 1 + packet.PayloadLength + padding;
        var buffer = packet.Buffer.AsSpan();
        BinaryPrimitives.WriteUInt32BigEndian(buffer, (uint)packetLength);
        buffer[4] = (byte)padding;
        RandomNumberGenerator.Fill(buffer.Slice(OutboundPacket.PayloadOffset + packet.PayloadLength, padding));
        var sealedLength = 4 + packetLength;
        protection.Seal(SequenceNumber, buffer[..sealedLength], buffer.Slice(sealedLength, protection.TagLength));
        return sealedLength + protection.TagLength;
    }

    private void FailPending(Exception reason)
    {
        while (_heldDuringKex.TryDequeue(out var held))
        {
            held.Sent?.TrySetException(reason);
            held.Return();
        }
        while (_queue.Reader.TryRead(out var queued))
        {
            queued.Sent?.TrySetException(reason);
            queued.Return();
        }
    }

    public async ValueTask DisposeAsync()
    {
        _queue.Writer.TryComplete();
        try
        {
            await _loop.WaitAsync(TimeSpan.FromSeconds(2)).ConfigureAwait(false);
        }
        catch (Exception)
        {
            // The loop's failure was already reported to the session through Completion.
        }
        _stop.Cancel();
        _protection.Dispose();
        _stop.Dispose();
    }
}
