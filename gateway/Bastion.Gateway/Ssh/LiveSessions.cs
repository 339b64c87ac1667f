using Bastion.Core.Audit;
using Bastion.Core.Store;
using Bastion.Gateway.Hosting;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;

namespace Bastion.Gateway.Ssh;

/// <summary>
/// Publishes this node's forwarded channels to the store for the auditors' live view (bytes refreshed every few
/// seconds, only when they changed) and carries out kill requests for connections this node holds, within a
/// second. Several gateway nodes share one store, so a kill reaches whichever node holds the session.
/// </summary>
public sealed class LiveSessions : BackgroundService
{
    private static readonly TimeSpan KillPollPeriod = TimeSpan.FromSeconds(1);
    private const int BytesRefreshEveryPolls = 5;

    private readonly BastionContext _context;
    private readonly ActiveSessions _active;
    private readonly ILogger<LiveSessions> _logger;

    public LiveSessions(BastionContext context, ActiveSessions active, ILogger<LiveSessions> logger)
    {
        _context = context;
        _active = active;
        _logger = logger;
    }

    public static LiveSession Row(BastionContext context, ConnectionState state, LiveChannel live) => new(
        live.ChannelId, state.SessionId, context.NodeId, state.User?.Name ?? "", state.Remote is null ? "" : $"{state.RemoteAddress}:{state.Remote.Port}",
        live.Target.Name, $"{live.Target.Host}:{live.Target.Port}", live.Target.Instance?.InstanceId, live.Target.Instance?.AccountAlias ?? live.Target.Account,
        live.StartedAt, live.Channel?.BytesFromClient ?? 0, live.Channel?.BytesToClient ?? 0, context.Time.GetUtcNow());

    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        await RecordSessionsLostByPreviousRunAsync(stoppingToken).ConfigureAwait(false);
        using var timer = new PeriodicTimer(KillPollPeriod, _context.Time);
        var polls = 0;
        while (await timer.WaitForNextTickAsync(stoppingToken).ConfigureAwait(false))
        {
            try
            {
                await CarryOutKillsAsync(stoppingToken).ConfigureAwait(false);
                if (++polls % BytesRefreshEveryPolls == 0)
                {
                    await RefreshBytesAsync(stoppingToken).ConfigureAwait(false);
                }
            }
            catch (Exception ex) when (ex is not OperationCanceledException && StoreFailures.IsUnavailable(ex))
            {
                // Every second while the database is away: one line each, not a stack trace each.
                _logger.LogWarning("live-session upkeep failed, the store is unreachable ({Error}); retrying in {Period}", ex.Message, KillPollPeriod);
            }
            catch (Exception ex) when (ex is not OperationCanceledException)
            {
                _logger.LogWarning(ex, "live-session upkeep failed; retrying in {Period}", KillPollPeriod);
            }
        }
    }

    /// <summary>
    /// Rows and recordings still listed for this node at start belong to a run that died without closing them
    /// (kill -9, power loss), unless a peer already took them over when this node's heartbeats stopped.
    /// </summary>
    private async Task RecordSessionsLostByPreviousRunAsync(CancellationToken cancellationToken)
    {
        var nodeId = _context.NodeId;
        var (sessions, recordings) = await new NodeLeftovers(_context)
            .TakeOverAsync(nodeId, "crash or kill -9", cancellationToken).ConfigureAwait(false);
        if (sessions + recordings > 0)
        {
            _logger.LogWarning("node {Node}: {Sessions} sessions and {Recordings} unsealed recordings were left by the previous run; recorded them as lost",
                nodeId, sessions, recordings);
        }
    }

    private async Task CarryOutKillsAsync(CancellationToken cancellationToken)
    {
        var sessions = _active.Snapshot().ToDictionary(s => s.SessionId, StringComparer.Ordinal);
        if (sessions.Count == 0)
        {
            return;
        }
        foreach (var request in await _context.Store.PendingKillRequestsAsync(sessions.Keys, cancellationToken).ConfigureAwait(false))
        {
            var state = sessions[request.SessionId];
            await _context.Audit.AppendAsync(state.Event("session.killed", AuditSeverity.Warning, new Dictionary<string, string>
            {
                ["killed_by"] = request.RequestedBy,
                ["requested_at"] = request.RequestedAt.ToString("O"),
                ["channels"] = string.Join(",", state.Channels.Values.Select(c => c.Target.Name)),
            }), cancellationToken).ConfigureAwait(false);
            state.Connection?.Close(Bastion.Core.Security.TerminalText.Visible($"session closed by {request.RequestedBy}"));
            await _context.Store.MarkKillHandledAsync(request.Id, cancellationToken).ConfigureAwait(false);
        }
    }

    private async Task RefreshBytesAsync(CancellationToken cancellationToken)
    {
        foreach (var state in _active.Snapshot())
        {
            foreach (var live in state.Channels.Values)
            {
                var current = (live.Channel?.BytesFromClient ?? 0, live.Channel?.BytesToClient ?? 0);
                if (current != live.Published)
                {
                    await PublishAsync(_context, state, live, cancellationToken).ConfigureAwait(false);
                    live.Published = current;
                }
            }
        }
    }

    /// <summary>
    /// Writes every channel this node holds again (after a peer retired the node and took its rows as lost, though
    /// the sessions went on); returns how many.
    /// </summary>
    public static async Task<int> RepublishAllAsync(BastionContext context, ActiveSessions active, CancellationToken cancellationToken)
    {
        var count = 0;
        foreach (var state in active.Snapshot())
        {
            foreach (var live in state.Channels.Values)
            {
                await PublishAsync(context, state, live, cancellationToken).ConfigureAwait(false);
                count++;
            }
        }
        return count;
    }

    private static async Task PublishAsync(BastionContext context, ConnectionState state, LiveChannel live, CancellationToken cancellationToken)
    {
        await context.Store.UpsertLiveSessionAsync(Row(context, state, live), cancellationToken).ConfigureAwait(false);
        // The channel may have closed (and deleted its row) while this upsert was on its way, which would bring the
        // row back until the node restarts. The close takes it out of Channels first, so this sees it.
        if (!state.Channels.ContainsKey(live.ChannelId))
        {
            await context.Store.RemoveLiveSessionAsync(live.ChannelId, cancellationToken).ConfigureAwait(false);
        }
    }
}
