using System.Net.Sockets;
using Bastion.Core.Audit;
using Bastion.Core.Inventory;
using Bastion.Gateway.Hosting;
using Bastion.Gateway.Observability;
using Bastion.Ssh.Connection;
using Bastion.Ssh.Messages;
using Bastion.Ssh.Resources;

namespace Bastion.Gateway.Ssh;

/// <summary>
/// Turns a direct-tcpip request ("web-1.dev:22") into a relayed TCP connection: resolve through the inventory,
/// check the access rules, connect, and audit the open and the close with bytes and duration. Refusals carry a
/// sentence the user sees in their ssh output.
/// </summary>
public sealed class TargetForwarder
{
    private const string Mode = TargetAccess.ForwardedMode;

    private readonly BastionContext _context;
    private readonly TargetAccess _access;
    private readonly ConnectionState _state;
    private readonly GatewayMetrics? _metrics;
    private readonly DescriptorBudget? _descriptors;

    public TargetForwarder(BastionContext context, ConnectionState state, GatewayMetrics? metrics = null, DescriptorBudget? descriptors = null)
    {
        _context = context;
        _state = state;
        _metrics = metrics;
        _descriptors = descriptors;
        _access = new TargetAccess(context, state);
    }

    public async ValueTask<ChannelOpenDecision> OpenAsync(DirectTcpIpChannelOpen request, CancellationToken cancellationToken)
    {
        // no-port-forwarding / restrict: the key logs in (ssh <bastion> lists targets) but opens no direct-tcpip channel.
        if (_state.KeyRestrictions?.ForwardingRefusal() is { } keyRefusal)
        {
            var error = $"{keyRefusal.Reason}, so this key cannot jump to targets; ask a Bastion administrator for a key that allows port forwarding";
            await _access.DeniedAsync($"{request.HostToConnect}:{request.PortToConnect}", null, Mode, keyRefusal.Reason, error, keyRefusal.Option).ConfigureAwait(false);
            return ChannelOpenDecision.Reject(ChannelOpenFailureReason.AdministrativelyProhibited, $"Bastion: {error}");
        }
        var access = await _access.CheckAsync(request.HostToConnect, request.PortToConnect, Mode, cancellationToken).ConfigureAwait(false);
        if (access.Target is not { } target)
        {
            return ChannelOpenDecision.Reject(access.FailureReason, access.Refusal!);
        }
        var (descriptor, atLimit) = await _access.TakeDescriptorAsync(_descriptors, access.Requested, target, Mode, _metrics).ConfigureAwait(false);
        if (atLimit is not null)
        {
            return ChannelOpenDecision.Reject(ChannelOpenFailureReason.ResourceShortage, atLimit);
        }
        NetworkStream stream;
        try
        {
            stream = await TargetConnector.ConnectAsync(target.Host, target.Port, TimeSpan.FromSeconds(_context.Options.Inventory.ConnectTimeoutSeconds), cancellationToken,
                _metrics is { } metrics ? socket => new MeteredNetworkStream(socket, metrics, descriptor) : socket => new TargetStream(socket, descriptor)).ConfigureAwait(false);
        }
        catch (Exception ex) when (ex is not TargetUnreachableException)
        {
            descriptor?.Dispose();
            throw;
        }
        catch (TargetUnreachableException ex)
        {
            descriptor?.Dispose();
            await _access.DeniedAsync(access.Requested, target, Mode, "connect failed", ex.Message).ConfigureAwait(false);
            return ChannelOpenDecision.Reject(ChannelOpenFailureReason.ConnectFailed, $"Bastion: {target.Name} ({target.Host}:{target.Port}) {ex.Message}");
        }
        var live = await _access.OpenedAsync(access, Mode, TargetAccess.NewChannelId(), _context.Time.GetUtcNow(), null, cancellationToken).ConfigureAwait(false);
        await _context.Store.UpsertLiveSessionAsync(LiveSessions.Row(_context, _state, live), cancellationToken).ConfigureAwait(false);
        return ChannelOpenDecision.Accept(stream,
            stats => _access.ClosedAsync(live, stats.BytesFromClient, stats.BytesToClient, stats.Duration, stats.CloseReason),
            channel => live.Channel = channel);
    }
}
