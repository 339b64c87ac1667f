using System.Net.Sockets;
using Bastion.Ssh.Messages;
using Bastion.Ssh.Transport;

namespace Bastion.Ssh.Connection;

/// <summary>
/// A direct-tcpip channel relayed to a target stream. Two pumps: client→target drains the inbound queue into
/// the target (reopening the window as it goes), target→client reads straight into outgoing packet buffers.
/// EOF in one direction half-closes the other side; the channel closes when both directions are done.
/// </summary>
internal sealed class DirectTcpIpChannel : SshChannel
{
    private readonly Stream _target;
    private readonly Func<ChannelTrafficStats, ValueTask>? _onClosed;
    private readonly TimeProvider _time;
    private readonly long _startTimestamp;
    private readonly CancellationTokenSource _stop = new();
    private readonly CancellationTokenSource _stopReading = new();
    private int _directionsDone;
    private int _disposed;
    private string _closeReason = "closed";

    public DirectTcpIpChannel(PacketWriter writer, uint localId, ChannelOpenMessage open, SshServerOptions options, Stream target, Func<ChannelTrafficStats, ValueTask>? onClosed)
        : base(writer, localId, open.SenderChannel, open.InitialWindowSize, open.MaximumPacketSize, options.ChannelWindowSize, options.ChannelMaxPacketSize)
    {
        _target = target;
        _onClosed = onClosed;
        _time = options.TimeProvider;
        _startTimestamp = _time.GetTimestamp();
    }

    internal override void Start(CancellationToken connectionClosing)
    {
        var token = CancellationTokenSource.CreateLinkedTokenSource(connectionClosing, _stop.Token).Token;
        var readToken = CancellationTokenSource.CreateLinkedTokenSource(token, _stopReading.Token).Token;
        _ = Task.Run(() => PumpClientToTargetAsync(token), CancellationToken.None);
        _ = Task.Run(() => PumpTargetToClientAsync(readToken), CancellationToken.None);
    }

    internal override ValueTask<bool> OnRequestAsync(ChannelRequestDetails request, CancellationToken cancellationToken) =>
        ValueTask.FromResult(false);

    protected override void OnCloseReceived()
    {
        // Stop sending to the client, but let bytes it sent before CLOSE drain into the target.
        _closeReason = "closed by client";
        _stopReading.Cancel();
    }

    private async Task PumpClientToTargetAsync(CancellationToken cancellationToken)
    {
        try
        {
            while (true)
            {
                var result = await Inbound.ReadAsync(cancellationToken).ConfigureAwait(false);
                var buffer = result.Buffer;
                // Read the length before AdvanceTo: the segments go back to the pool then.
                var length = (int)buffer.Length;
                foreach (var segment in buffer)
                {
                    await _target.WriteAsync(segment, cancellationToken).ConfigureAwait(false);
                }
                Inbound.AdvanceTo(buffer.End);
                if (length > 0)
                {
                    await ConsumedAsync(length).ConfigureAwait(false);
                }
                if (result.IsCompleted || result.IsCanceled)
                {
                    break;
                }
            }
            await _target.FlushAsync(cancellationToken).ConfigureAwait(false);
            ShutdownTargetSend();
            await DirectionDoneAsync().ConfigureAwait(false);
        }
        catch (Exception ex) when (IsRelayFailure(ex))
        {
            await FailAsync("target write failed: " + ex.Message).ConfigureAwait(false);
        }
    }

    private async Task PumpTargetToClientAsync(CancellationToken cancellationToken)
    {
        try
        {
            while (true)
            {
                // Wait for data without a buffer, so idle channels cost no memory.
                await _target.ReadAsync(Memory<byte>.Empty, cancellationToken).ConfigureAwait(false);
                var granted = await ReserveWindowAsync((int)Math.Min(RemoteMaxPacket, LocalMaxPacket), cancellationToken).ConfigureAwait(false);
                var packet = RentDataPacket(granted);
                int read;
                try
                {
                    read = await _target.ReadAsync(packet.Buffer.AsMemory(OutboundPacket.PayloadOffset + ChannelDataMessage.HeaderLength, granted), cancellationToken).ConfigureAwait(false);
                }
                catch
                {
                    packet.Return();
                    ReleaseWindow(granted);
                    throw;
                }
                ReleaseWindow(granted - read);
                if (read == 0)
                {
                    packet.Return();
                    break;
                }
                WriteDataHeader(packet, read);
                await SendPacketAsync(packet, cancellationToken).ConfigureAwait(false);
            }
            await SendEofAsync().ConfigureAwait(false);
            await DirectionDoneAsync().ConfigureAwait(false);
        }
        catch (Exception ex) when (IsRelayFailure(ex))
        {
            await FailAsync("target read failed: " + ex.Message).ConfigureAwait(false);
        }
    }

    private static bool IsRelayFailure(Exception ex) =>
        ex is IOException or SocketException or OperationCanceledException or ObjectDisposedException or InvalidOperationException;

    private void ShutdownTargetSend()
    {
        if (_target is NetworkStream network)
        {
            try
            {
                network.Socket.Shutdown(SocketShutdown.Send);
            }
            catch (SocketException)
            {
                // Already reset by the target; the read pump will notice.
            }
        }
    }

    private async ValueTask DirectionDoneAsync()
    {
        if (Interlocked.Increment(ref _directionsDone) == 2)
        {
            await CloseAsync().ConfigureAwait(false);
        }
    }

    private async ValueTask FailAsync(string reason)
    {
        if (_stop.IsCancellationRequested || _stopReading.IsCancellationRequested)
        {
            return; // closing already; the exception is a consequence
        }
        _closeReason = reason;
        _stop.Cancel();
        await CloseAsync().ConfigureAwait(false);
    }

    internal override async ValueTask DisposeAsync(string reason)
    {
        if (Interlocked.Exchange(ref _disposed, 1) == 1)
        {
            return;
        }
        if (!CloseReceived && !CloseSent)
        {
            _closeReason = reason;
        }
        await _stop.CancelAsync().ConfigureAwait(false);
        await base.DisposeAsync(reason).ConfigureAwait(false);
        await _target.DisposeAsync().ConfigureAwait(false);
        if (_onClosed is not null)
        {
            await _onClosed(new ChannelTrafficStats(BytesFromClient, BytesToClient, _time.GetElapsedTime(_startTimestamp), _closeReason)).ConfigureAwait(false);
        }
        _stop.Dispose();
        _stopReading.Dispose();
    }
}
