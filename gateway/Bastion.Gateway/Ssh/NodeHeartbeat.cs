using System.Globalization;
using System.Reflection;
using Bastion.Core.Alerts;
using Bastion.Core.Audit;
using Bastion.Core.Store;
using Bastion.Gateway.Hosting;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;

namespace Bastion.Gateway.Ssh;

/// <summary>
/// Tells the store this node is alive, and watches the others: a node whose heartbeats stopped for
/// Bastion:NodeDeadAfterSeconds is retired by exactly one peer (the store decides), which records its sessions and
/// unsealed recordings as lost and raises alert.node_lost (webhook included). Without this a node removed by
/// autoscaling would leave "live" sessions in the auditors' view for ever, and kill requests for them would go nowhere.
/// A node judges its peers only after beating without a failure for the dead-after time itself: when the store was
/// away for everyone (a PostgreSQL failover), every node's last beat is old once it returns, and judging at once would
/// retire healthy nodes. A node cut off alone and retired meanwhile finds its row gone at its next beat; its sessions
/// went on, so it lists them live again and says so in the audit trail (alert.node_rejoined).
/// </summary>
public sealed class NodeHeartbeat : BackgroundService
{
    private readonly BastionContext _context;
    private readonly ActiveSessions _active;
    private readonly ILogger<NodeHeartbeat> _logger;
    private readonly DateTimeOffset _startedAt;

    public NodeHeartbeat(BastionContext context, ActiveSessions active, ILogger<NodeHeartbeat> logger)
    {
        _context = context;
        _active = active;
        _logger = logger;
        _startedAt = context.Time.GetUtcNow();
    }

    private static string Version { get; } =
        typeof(NodeHeartbeat).Assembly.GetCustomAttribute<AssemblyInformationalVersionAttribute>()?.InformationalVersion.Split('+')[0] ?? "unknown";

    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        var period = TimeSpan.FromSeconds(_context.Options.NodeHeartbeatSeconds);
        var deadAfter = TimeSpan.FromSeconds(_context.Options.NodeDeadAfterSeconds);
        using var timer = new PeriodicTimer(period, _context.Time);
        long? beatingSince = null;
        var beatenBefore = false;
        var rejoinPending = false;
        do
        {
            try
            {
                var rowWasThere = await BeatAsync(stoppingToken).ConfigureAwait(false);
                beatingSince ??= _context.Time.GetTimestamp();
                // Remembered until done: the beat put the row back, so the next one would not notice again.
                rejoinPending |= beatenBefore && !rowWasThere;
                beatenBefore = true;
                if (rejoinPending)
                {
                    await RejoinAsync(stoppingToken).ConfigureAwait(false);
                    rejoinPending = false;
                }
                if (_context.Time.GetElapsedTime(beatingSince.Value) >= deadAfter)
                {
                    await RetireSilentPeersAsync(stoppingToken).ConfigureAwait(false);
                }
            }
            catch (Exception ex) when (ex is not OperationCanceledException)
            {
                // The store may be away for a while; the next beat tries again, and peers wait NodeDeadAfterSeconds.
                // Whatever kept this node from beating may have kept the others too: it judges none of them until it
                // has beaten for the dead-after time again.
                beatingSince = null;
                _logger.LogWarning("node heartbeat failed ({Error}); retrying in {Period}", ex.Message, period);
            }
        }
        while (await timer.WaitForNextTickAsync(stoppingToken).ConfigureAwait(false));
    }

    public override async Task StopAsync(CancellationToken cancellationToken)
    {
        await base.StopAsync(cancellationToken).ConfigureAwait(false);
        try
        {
            // A clean stop: sessions were closed and written, so there is nothing for a peer to take over.
            await _context.Store.RemoveNodeAsync(_context.NodeId, cancellationToken).ConfigureAwait(false);
        }
        catch (Exception ex) when (ex is not OperationCanceledException)
        {
            _logger.LogWarning("could not remove this node's heartbeat row ({Error}); peers will retire it after Bastion:NodeDeadAfterSeconds", ex.Message);
        }
    }

    private Task<bool> BeatAsync(CancellationToken ct)
    {
        var ssh = _context.Options.Ssh;
        return _context.Store.RecordNodeHeartbeatAsync(
            new GatewayNode(_context.NodeId, _startedAt, _context.Time.GetUtcNow(), Version, $"{ssh.ListenAddress}:{ssh.Port}"), ct);
    }

    /// <summary>A peer retired this node while it could not reach the store; its sessions did not stop.</summary>
    private async Task RejoinAsync(CancellationToken ct)
    {
        var sessions = _active.Count;
        var channels = await LiveSessions.RepublishAllAsync(_context, _active, ct).ConfigureAwait(false);
        await _context.Audit.AppendNowAsync(new AuditEvent(AlertTypes.NodeRejoined, AuditSeverity.Warning)
        {
            Data = new Dictionary<string, string>
            {
                ["summary"] = $"gateway node {_context.NodeId} reached the database again after a peer had retired it; the {sessions} sessions it holds were recorded as lost but go on, and are listed live again",
                ["node"] = _context.NodeId,
                ["sessions"] = sessions.ToString(CultureInfo.InvariantCulture),
                ["channels"] = channels.ToString(CultureInfo.InvariantCulture),
            },
        }, ct).ConfigureAwait(false);
        _logger.LogWarning("a peer retired this node ({Node}) while it could not reach the store; {Sessions} sessions held here go on and are listed live again",
            _context.NodeId, sessions);
    }

    private async Task RetireSilentPeersAsync(CancellationToken ct)
    {
        var now = _context.Time.GetUtcNow();
        var deadline = now - TimeSpan.FromSeconds(_context.Options.NodeDeadAfterSeconds);
        foreach (var peer in await _context.Store.ListNodesAsync(ct).ConfigureAwait(false))
        {
            if (peer.NodeId == _context.NodeId || peer.LastSeen >= deadline
                || !await _context.Store.TryRetireNodeAsync(peer.NodeId, deadline, ct).ConfigureAwait(false))
            {
                continue;
            }
            var silentFor = (long)(now - peer.LastSeen).TotalSeconds;
            var (sessions, recordings) = await new NodeLeftovers(_context)
                .TakeOverAsync(peer.NodeId, $"no heartbeat from {peer.NodeId} for {silentFor} s; taken over by {_context.NodeId}", ct).ConfigureAwait(false);
            await _context.Audit.AppendNowAsync(new AuditEvent(AlertTypes.NodeLost, AuditSeverity.Warning)
            {
                Data = new Dictionary<string, string>
                {
                    ["summary"] = $"gateway node {peer.NodeId} ({peer.Listen}) sent no heartbeat for {silentFor} s; {_context.NodeId} recorded its {sessions} open sessions and {recordings} unsealed recordings as lost",
                    ["node"] = peer.NodeId,
                    ["last_seen_at"] = peer.LastSeen.ToString("O"),
                    ["started_at"] = peer.StartedAt.ToString("O"),
                    ["listen"] = peer.Listen,
                    ["sessions_lost"] = sessions.ToString(CultureInfo.InvariantCulture),
                    ["recordings_lost"] = recordings.ToString(CultureInfo.InvariantCulture),
                    ["taken_over_by"] = _context.NodeId,
                },
            }, ct).ConfigureAwait(false);
            _logger.LogWarning("node {Peer} sent no heartbeat for {Seconds} s; recorded its {Sessions} open sessions and {Recordings} unsealed recordings as lost",
                peer.NodeId, silentFor, sessions, recordings);
        }
    }
}
