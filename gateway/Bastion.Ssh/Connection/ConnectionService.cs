using Bastion.Ssh.Messages;
using Bastion.Ssh.Transport;
using Bastion.Ssh.Wire;
using Microsoft.Extensions.Logging;

namespace Bastion.Ssh.Connection;

/// <summary>
/// The "ssh-connection" service (RFC 4254) after authentication: global requests, the channel table and
/// per-channel messages. Channel opens that need the application (connecting to a target) run off the read
/// loop so one slow target never stalls the other channels of a connection.
/// </summary>
internal sealed class ConnectionService
{
    private readonly SshTransport _transport;
    private readonly SshServerOptions _options;
    private readonly ISshSessionHandler _handler;
    private readonly ILogger _logger;
    private readonly Dictionary<uint, SshChannel?> _channels = new();
    private readonly object _gate = new();
    private uint _nextChannelId;
    private bool _noMoreSessions;

    public ConnectionService(SshTransport transport, SshServerOptions options, ISshSessionHandler handler, ILogger logger)
    {
        _transport = transport;
        _options = options;
        _handler = handler;
        _logger = logger;
    }

    /// <summary>
    /// Runs until the client leaves or <paramref name="connectionClosing"/> fires. When a liveness limit is reached
    /// (see <see cref="ConnectionLiveness"/>) <paramref name="close"/> gets the reason; the caller cancels and disconnects.
    /// </summary>
    public async Task RunAsync(Action<string> close, CancellationToken connectionClosing)
    {
        var liveness = new ConnectionLiveness(_options, () => _transport.BytesReceived, ChannelDataBytes, _transport.Writer.TryEnqueue);
        using var stopWatching = CancellationTokenSource.CreateLinkedTokenSource(connectionClosing);
        var watching = liveness.IsOff ? Task.CompletedTask : WatchAsync(liveness, close, stopWatching.Token);
        try
        {
            if (_options.AnnounceHostKeys)
            {
                await _transport.SendAsync(HostKeyRotation.Announcement(_options.HostKeys).ToGlobalRequest(), connectionClosing).ConfigureAwait(false);
            }
            while (true)
            {
                var received = await _transport.ReceiveAsync(connectionClosing).ConfigureAwait(false);
                if (received is not { } packet)
                {
                    return;
                }
                await DispatchAsync(packet, connectionClosing).ConfigureAwait(false);
            }
        }
        finally
        {
            await stopWatching.CancelAsync().ConfigureAwait(false);
            await watching.ConfigureAwait(false);
            await CloseAllAsync("connection ended").ConfigureAwait(false);
        }
    }

    private static async Task WatchAsync(ConnectionLiveness liveness, Action<string> close, CancellationToken connectionClosing)
    {
        if (await liveness.WatchAsync(connectionClosing).ConfigureAwait(false) is { } reason)
        {
            close(reason);
        }
    }

    /// <summary>Channel payload both ways on the open channels; a change means the connection is in use.</summary>
    private long ChannelDataBytes()
    {
        lock (_gate)
        {
            long total = 0;
            foreach (var channel in _channels.Values)
            {
                if (channel is not null)
                {
                    total += channel.BytesFromClient + channel.BytesToClient;
                }
            }
            // Opening or closing a channel is use too.
            return total + _channels.Count;
        }
    }

    private async ValueTask DispatchAsync(ReceivedPacket packet, CancellationToken connectionClosing)
    {
        var payload = packet.Payload.Span;
        switch (packet.Number)
        {
            case MessageNumber.GlobalRequest:
                await OnGlobalRequestAsync(GlobalRequestMessage.Read(payload)).ConfigureAwait(false);
                break;
            case MessageNumber.ChannelOpen:
                await OnChannelOpenAsync(ChannelOpenMessage.Read(payload), connectionClosing).ConfigureAwait(false);
                break;
            case MessageNumber.ChannelData:
                var data = ChannelDataMessage.ReadView(payload, out var recipient);
                Find(recipient).OnData(data);
                break;
            case MessageNumber.ChannelExtendedData:
                // Clients have no business sending stderr; RFC 4254 lets us ignore it, but the window still counts.
                var extended = ChannelExtendedDataMessage.Read(payload);
                Find(extended.RecipientChannel);
                break;
            case MessageNumber.ChannelWindowAdjust:
                var adjust = ChannelWindowAdjustMessage.Read(payload);
                Find(adjust.RecipientChannel).OnWindowAdjust(adjust.BytesToAdd);
                break;
            case MessageNumber.ChannelEof:
                Find(ChannelEofMessage.Read(payload).RecipientChannel).OnEof();
                break;
            case MessageNumber.ChannelClose:
                var channel = Find(ChannelCloseMessage.Read(payload).RecipientChannel);
                await channel.OnCloseAsync().ConfigureAwait(false);
                await RemoveAsync(channel, "closed").ConfigureAwait(false);
                break;
            case MessageNumber.ChannelRequest:
                await OnChannelRequestAsync(ChannelRequestMessage.Read(payload), connectionClosing).ConfigureAwait(false);
                break;
            case MessageNumber.ChannelSuccess:
            case MessageNumber.ChannelFailure:
            case MessageNumber.RequestSuccess:
            case MessageNumber.RequestFailure:
                // Replies to requests we sent with want_reply=false never come; tolerate stray ones.
                break;
            case MessageNumber.UserAuthRequest:
                // RFC 4252 §5.1: requests after success are ignored.
                break;
            default:
                await _transport.SendUnimplementedAsync(packet.SequenceNumber).ConfigureAwait(false);
                break;
        }
    }

    private async ValueTask OnGlobalRequestAsync(GlobalRequestMessage request)
    {
        switch (request.RequestName)
        {
            case "no-more-sessions@openssh.com":
                _noMoreSessions = true;
                break;
            case HostKeysProveRequest.RequestName:
                var proof = HostKeyRotation.Prove(HostKeysProveRequest.Read(request), _options.HostKeys, _transport.SessionId, _transport.Algorithms?.HostKeyAlgorithm);
                if (request.WantReply)
                {
                    await _transport.SendAsync(proof is null ? new RequestFailureMessage() : proof.ToRequestSuccess()).ConfigureAwait(false);
                }
                break;
            default:
                // keepalive@openssh.com expects any reply (OpenSSH answers failure); forwarding requests are refused.
                if (request.WantReply)
                {
                    await _transport.SendAsync(new RequestFailureMessage()).ConfigureAwait(false);
                }
                break;
        }
    }

    private async ValueTask OnChannelOpenAsync(ChannelOpenMessage open, CancellationToken connectionClosing)
    {
        uint localId;
        lock (_gate)
        {
            if (_channels.Count >= _options.MaxChannelsPerConnection)
            {
                localId = uint.MaxValue;
            }
            else
            {
                localId = _nextChannelId++;
                _channels[localId] = null; // reserved until the application decides
            }
        }
        if (localId == uint.MaxValue)
        {
            await RejectAsync(open, ChannelOpenFailureReason.ResourceShortage, $"too many channels (limit {_options.MaxChannelsPerConnection})").ConfigureAwait(false);
            return;
        }
        switch (open.Details)
        {
            case DirectTcpIpChannelOpen direct:
                _ = Task.Run(() => OpenDirectTcpIpAsync(localId, open, direct, connectionClosing), CancellationToken.None);
                break;
            case SessionChannelOpen when !_noMoreSessions:
                await OpenSessionAsync(localId, open, connectionClosing).ConfigureAwait(false);
                break;
            case SessionChannelOpen:
                Unreserve(localId);
                await RejectAsync(open, ChannelOpenFailureReason.AdministrativelyProhibited, "no more sessions (client sent no-more-sessions@openssh.com)").ConfigureAwait(false);
                break;
            default:
                Unreserve(localId);
                await RejectAsync(open, ChannelOpenFailureReason.UnknownChannelType, $"channel type \"{open.ChannelType}\" is not supported").ConfigureAwait(false);
                break;
        }
    }

    private async Task OpenDirectTcpIpAsync(uint localId, ChannelOpenMessage open, DirectTcpIpChannelOpen direct, CancellationToken connectionClosing)
    {
        ChannelOpenDecision decision;
        try
        {
            decision = await _handler.OpenDirectTcpIpAsync(direct, connectionClosing).ConfigureAwait(false);
        }
        catch (Exception ex) when (ex is not OperationCanceledException)
        {
            var known = _handler.DescribeFailure(ex);
            if (known is null)
            {
                _logger.LogError(ex, "direct-tcpip open to {Host}:{Port} failed in the handler", direct.HostToConnect, direct.PortToConnect);
            }
            else
            {
                _logger.LogWarning("direct-tcpip open to {Host}:{Port} refused: {Reason} ({Error})", direct.HostToConnect, direct.PortToConnect, known, ex.Message);
            }
            decision = ChannelOpenDecision.Reject(ChannelOpenFailureReason.ConnectFailed, known ?? "internal error while opening the channel; see the gateway log");
        }
        catch (OperationCanceledException)
        {
            Unreserve(localId);
            return;
        }
        if (decision.Target is null)
        {
            Unreserve(localId);
            await RejectAsync(open, decision.FailureReason, decision.FailureDescription ?? "refused").ConfigureAwait(false);
            return;
        }
        var channel = new DirectTcpIpChannel(_transport.Writer, localId, open, _options, decision.Target, decision.OnClosed);
        await ConfirmAndStartAsync(channel, open, connectionClosing).ConfigureAwait(false);
        decision.OnStarted?.Invoke(channel);
    }

    private async ValueTask OpenSessionAsync(uint localId, ChannelOpenMessage open, CancellationToken connectionClosing)
    {
        var decision = await _handler.OpenSessionAsync(connectionClosing).ConfigureAwait(false);
        if (decision.Handler is not { } handler)
        {
            Unreserve(localId);
            await RejectAsync(open, decision.FailureReason, decision.FailureDescription ?? "sessions are not available on this server").ConfigureAwait(false);
            return;
        }
        await ConfirmAndStartAsync(new SessionChannel(_transport.Writer, localId, open, _options, handler), open, connectionClosing).ConfigureAwait(false);
    }

    private async ValueTask ConfirmAndStartAsync(SshChannel channel, ChannelOpenMessage open, CancellationToken connectionClosing)
    {
        lock (_gate)
        {
            _channels[channel.LocalId] = channel;
        }
        await _transport.SendAsync(new ChannelOpenConfirmationMessage(open.SenderChannel, channel.LocalId, _options.ChannelWindowSize, _options.ChannelMaxPacketSize)).ConfigureAwait(false);
        channel.Start(connectionClosing);
        _ = channel.Closed.ContinueWith(_ => RemoveAsync(channel, "closed").AsTask(), CancellationToken.None, TaskContinuationOptions.ExecuteSynchronously, TaskScheduler.Default).Unwrap();
    }

    private async ValueTask OnChannelRequestAsync(ChannelRequestMessage request, CancellationToken connectionClosing)
    {
        var channel = Find(request.RecipientChannel);
        bool ok;
        try
        {
            ok = await channel.OnRequestAsync(request.Details, connectionClosing).ConfigureAwait(false);
        }
        catch (Exception ex) when (ex is not SshProtocolException and not OperationCanceledException)
        {
            _logger.LogError(ex, "channel request {Type} failed", request.RequestType);
            ok = false;
        }
        if (request.WantReply && !channel.CloseSent)
        {
            await _transport.SendAsync(ok ? new ChannelSuccessMessage(channel.RemoteId) : new ChannelFailureMessage(channel.RemoteId)).ConfigureAwait(false);
        }
    }

    private Task RejectAsync(ChannelOpenMessage open, ChannelOpenFailureReason reason, string description) =>
        _transport.SendAsync(new ChannelOpenFailureMessage(open.SenderChannel, reason, description)).AsTask();

    private SshChannel Find(uint localId)
    {
        lock (_gate)
        {
            if (_channels.TryGetValue(localId, out var channel) && channel is not null)
            {
                return channel;
            }
        }
        throw new SshProtocolException($"message for channel {localId}, which is not open");
    }

    private void Unreserve(uint localId)
    {
        lock (_gate)
        {
            _channels.Remove(localId);
        }
    }

    private async ValueTask RemoveAsync(SshChannel channel, string reason)
    {
        bool removed;
        lock (_gate)
        {
            removed = _channels.TryGetValue(channel.LocalId, out var current) && ReferenceEquals(current, channel) && channel.CloseSent && channel.CloseReceived;
            if (removed)
            {
                _channels.Remove(channel.LocalId);
            }
        }
        if (removed)
        {
            await channel.DisposeAsync(reason).ConfigureAwait(false);
        }
    }

    private async Task CloseAllAsync(string reason)
    {
        List<SshChannel> open;
        lock (_gate)
        {
            open = _channels.Values.OfType<SshChannel>().ToList();
            _channels.Clear();
        }
        foreach (var channel in open)
        {
            try
            {
                await channel.DisposeAsync(reason).ConfigureAwait(false);
            }
            catch (Exception ex)
            {
                _logger.LogWarning(ex, "error while closing channel {Channel}", channel.LocalId);
            }
        }
    }
}
