using System.Net.Sockets;
using Bastion.Core.Audit;
using Bastion.Core.Inventory;
using Bastion.Gateway.Hosting;
using Bastion.Gateway.Observability;
using Bastion.Ssh.Connection;
using Bastion.Ssh.Messages;

namespace Bastion.Gateway.Ssh;

/// <summary>
/// Turns a direct-tcpip request ("web-1.dev:22") into a relayed TCP connection: resolve through the inventory,
/// check the access rules, connect, and audit the open and the close with bytes and duration. Refusals carry a
/// sentence the user sees in their ssh output.
/// </summary>
public sealed class TargetForwarder
{
    private const string Mode = TargetAccess.ForwardedMode;

    private readonly GatewayContext _context;
    private readonly TargetAccess _access;
    private readonly ConnectionState _state;
    private readonly GatewayMetrics? _metrics;

    public TargetForwarder(GatewayContext context, ConnectionState state, GatewayMetrics? metrics = null)
    {
        _context = context;
        _state = state;
        _metrics = metrics;
        _access = new TargetAccess(context, state);
    }

    public async ValueTask<ChannelOpenDecision> OpenAsync(DirectTcpIpChannelOpen request, CancellationToken cancellationToken)
    {
        var access = await _access.CheckAsync(request.HostToConnect, request.PortToConnect, Mode, cancellationToken).ConfigureAwait(false);
        if (access.Target is not { } target)
        {
            return ChannelOpenDecision.Reject(access.FailureReason, access.Refusal!);
        }
        var requested = access.Requested;
        NetworkStream stream;
        try
        {
            stream = await TargetConnector.ConnectAsync(target.Host, target.Port, TimeSpan.FromSeconds(_context.Options.Inventory.ConnectTimeoutSeconds), cancellationToken,
                _metrics is { } metrics ? socket => new MeteredNetworkStream(socket, metrics) : null).ConfigureAwait(false);
        }
        catch (TargetUnreachableException ex)
        {
            await _access.DeniedAsync(requested, target, Mode, "connect failed", ex.Message).ConfigureAwait(false);
            return ChannelOpenDecision.Reject(ChannelOpenFailureReason.ConnectFailed, $"Bastion: {target.Name} ({target.Host}:{target.Port}) {ex.Message}");
        }
        var channelId = Guid.NewGuid().ToString("n")[..12];
        var details = _access.Describe(requested, target, Mode);
        details["channel"] = channelId;
        details["decision"] = access.Decision!.Reason;
        await _context.Audit.AppendAsync(_state.Event(AuditEventTypes.ChannelOpen, AuditSeverity.Info, details), cancellationToken).ConfigureAwait(false);
        var live = new LiveChannel(channelId, target, _context.Time.GetUtcNow());
        _state.Channels[channelId] = live;
        await _context.Store.UpsertLiveSessionAsync(LiveSessions.Row(_context, _state, live), cancellationToken).ConfigureAwait(false);
        return ChannelOpenDecision.Accept(stream, stats => ClosedAsync(live, stats), channel => live.Channel = channel);
    }

    private async ValueTask ClosedAsync(LiveChannel live, ChannelTrafficStats stats)
    {
        _state.Channels.TryRemove(live.ChannelId, out _);
        var target = live.Target;
        var channelId = live.ChannelId;
        try
        {
            await _context.Store.RemoveLiveSessionAsync(channelId).ConfigureAwait(false);
        }
        catch (Exception ex) when (ex is not OperationCanceledException)
        {
            // The live view is advisory; the audit event below is what counts.
        }
        await _context.Audit.AppendAsync(_state.Event(AuditEventTypes.ChannelClose, AuditSeverity.Info, new Dictionary<string, string>
        {
            ["channel"] = channelId,
            ["target"] = target.Name,
            ["address"] = $"{target.Host}:{target.Port}",
            ["bytes_from_client"] = stats.BytesFromClient.ToString(System.Globalization.CultureInfo.InvariantCulture),
            ["bytes_to_client"] = stats.BytesToClient.ToString(System.Globalization.CultureInfo.InvariantCulture),
            ["duration_ms"] = ((long)stats.Duration.TotalMilliseconds).ToString(System.Globalization.CultureInfo.InvariantCulture),
            ["reason"] = stats.CloseReason,
        })).ConfigureAwait(false);
    }
}
