using System.Net.Sockets;
using Bastion.Core.Audit;
using Bastion.Core.Inventory;
using Bastion.Core.Policy;
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
    private const int SshPort = 22;

    private readonly GatewayContext _context;
    private readonly ConnectionState _state;
    private readonly GatewayMetrics? _metrics;

    public TargetForwarder(GatewayContext context, ConnectionState state, GatewayMetrics? metrics = null)
    {
        _context = context;
        _state = state;
        _metrics = metrics;
    }

    public async ValueTask<ChannelOpenDecision> OpenAsync(DirectTcpIpChannelOpen request, CancellationToken cancellationToken)
    {
        var user = _state.User ?? throw new InvalidOperationException("channel opened before authentication");
        var requested = $"{request.HostToConnect}:{request.PortToConnect}";
        var resolution = await _context.Inventory.ResolveAsync(request.HostToConnect, cancellationToken).ConfigureAwait(false);
        if (resolution.Target is not { } target)
        {
            var error = resolution.Error ?? $"no target named \"{request.HostToConnect}\"";
            await DeniedAsync(requested, null, "unknown target", error).ConfigureAwait(false);
            return ChannelOpenDecision.Reject(ChannelOpenFailureReason.ConnectFailed, $"Bastion: {error}");
        }
        if (request.PortToConnect != SshPort && request.PortToConnect != target.Port)
        {
            var error = $"only SSH is forwarded; connect to {target.Name} on port 22 (asked for port {request.PortToConnect})";
            await DeniedAsync(requested, target, "port not allowed", error).ConfigureAwait(false);
            return ChannelOpenDecision.Reject(ChannelOpenFailureReason.AdministrativelyProhibited, $"Bastion: {error}");
        }
        var policy = await AccessPolicy.LoadAsync(_context.Store, cancellationToken).ConfigureAwait(false);
        var decision = policy.Evaluate(user, target);
        if (!decision.Allowed)
        {
            await DeniedAsync(requested, target, decision.Reason, decision.Reason).ConfigureAwait(false);
            return ChannelOpenDecision.Reject(ChannelOpenFailureReason.AdministrativelyProhibited,
                $"Bastion: {user.Name} may not reach {target.Name}: {decision.Reason}. Run \"ssh <bastion>\" to list the targets you may reach.");
        }
        NetworkStream stream;
        try
        {
            stream = await TargetConnector.ConnectAsync(target.Host, target.Port, TimeSpan.FromSeconds(_context.Options.Inventory.ConnectTimeoutSeconds), cancellationToken,
                _metrics is { } metrics ? socket => new MeteredNetworkStream(socket, metrics) : null).ConfigureAwait(false);
        }
        catch (TargetUnreachableException ex)
        {
            await DeniedAsync(requested, target, "connect failed", ex.Message).ConfigureAwait(false);
            return ChannelOpenDecision.Reject(ChannelOpenFailureReason.ConnectFailed, $"Bastion: {target.Name} ({target.Host}:{target.Port}) {ex.Message}");
        }
        var channelId = Guid.NewGuid().ToString("n")[..12];
        var details = Describe(requested, target);
        details["channel"] = channelId;
        details["decision"] = decision.Reason;
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

    private ValueTask DeniedAsync(string requested, ResolvedTarget? target, string reason, string message)
    {
        var details = Describe(requested, target);
        details["reason"] = reason;
        details["message"] = message;
        return _context.Audit.AppendAsync(_state.Event(AuditEventTypes.ChannelDenied, AuditSeverity.Warning, details));
    }

    private Dictionary<string, string> Describe(string requested, ResolvedTarget? target)
    {
        var details = new Dictionary<string, string> { ["requested"] = requested };
        if (target is not null)
        {
            details["target"] = target.Name;
            details["address"] = $"{target.Host}:{target.Port}";
            details["source"] = target.Source;
            if (target.Account is not null)
            {
                details["account"] = target.Account;
            }
            if (target.Instance is { } instance)
            {
                details["instance_id"] = instance.InstanceId;
                details["account_id"] = instance.AccountId;
                details["account_alias"] = instance.AccountAlias;
                details["region"] = instance.Region;
                details["vpc"] = instance.VpcId ?? "";
                details["instance_state"] = instance.State;
                if (instance.DataAsOf is { } asOf)
                {
                    var age = _context.Time.GetUtcNow() - asOf;
                    details["snapshot_age_s"] = Math.Max(0, (long)age.TotalSeconds).ToString(System.Globalization.CultureInfo.InvariantCulture);
                }
            }
        }
        return details;
    }
}
