using System.Globalization;
using Bastion.Core.Alerts;
using Bastion.Core.Audit;
using Bastion.Core.Store;
using Bastion.Gateway.Hosting;
using Bastion.Gateway.Observability;
using Bastion.Gateway.Ssh;
using Bastion.Ssh.Authentication;
using Bastion.Ssh.Messages;

namespace Bastion.Gateway.Limits;

/// <summary>
/// One connection's side of <see cref="UserResourceCaps"/>: takes the connection's lease when its login succeeds,
/// a lease per channel, and reports refusals (a metric each; an audit row and an alert at most once per user and cap
/// per minute). The caps are read from the options in force at each login and channel open, so a reload applies to
/// the next one. A refusal is not an authentication failure: nothing here counts toward lockouts.
/// </summary>
public sealed class ConnectionCaps : IDisposable
{
    private readonly BastionContext _context;
    private readonly ConnectionState _state;
    private readonly UserResourceCaps _caps;
    private readonly GatewayMetrics? _metrics;
    private ConnectionLease? _lease;
    private bool _automation;

    public ConnectionCaps(BastionContext context, ConnectionState state, UserResourceCaps caps, GatewayMetrics? metrics)
    {
        _context = context;
        _state = state;
        _caps = caps;
        _metrics = metrics;
    }

    /// <summary>The last login attempt was refused by a cap (so it is not counted as an authentication failure).</summary>
    public bool LoginRefused { get; private set; }

    /// <summary>Null when <paramref name="user"/> may hold one more connection (now counted); else the answer that ends the login.</summary>
    public async ValueTask<AuthResult?> AdmitLoginAsync(User user)
    {
        _automation = user.IsAutomation;
        var lease = _caps.TryOpenConnection(user.Name, Limits(), out var refusal);
        if (lease is null)
        {
            LoginRefused = true;
            await ReportAsync(refusal!, "login").ConfigureAwait(false);
            return AuthResult.FailAndDisconnect(refusal!.Message);
        }
        Interlocked.Exchange(ref _lease, lease)?.Dispose();
        return null;
    }

    /// <summary>
    /// A lease on one more channel of <paramref name="kind"/> ("direct-tcpip", "session"), to dispose when it closes;
    /// or null and the sentence to refuse it with (reason: resource shortage).
    /// </summary>
    public async ValueTask<(ChannelLease? Lease, string? Refusal)> OpenChannelAsync(string kind)
    {
        if (Volatile.Read(ref _lease) is not { } connection)
        {
            // Channels come only after a login; without a lease there is nothing to count against.
            return (null, null);
        }
        var lease = _caps.TryOpenChannel(connection, Limits(), out var refusal);
        if (lease is not null)
        {
            return (lease, null);
        }
        await ReportAsync(refusal!, kind).ConfigureAwait(false);
        return (null, refusal!.Message);
    }

    /// <summary>What a refused channel open answers: OpenSSH prints "open failed: resource shortage: MESSAGE".</summary>
    public const ChannelOpenFailureReason RefusalReason = ChannelOpenFailureReason.ResourceShortage;

    private UserLimits Limits() => _context.Options.Limits.For(_automation);

    private async ValueTask ReportAsync(CapRefusal refusal, string requested)
    {
        _metrics?.CapRefused(refusal.Cap);
        if (!_caps.Notices.ShouldReport(refusal.User, refusal.Cap, out var leftOut))
        {
            return;
        }
        var data = new Dictionary<string, string>
        {
            ["cap"] = refusal.Cap,
            ["setting"] = refusal.Setting,
            ["limit"] = refusal.Limit.ToString(CultureInfo.InvariantCulture),
            ["current"] = refusal.Current.ToString(CultureInfo.InvariantCulture),
            ["requested"] = requested,
            ["automation"] = _automation ? "true" : "false",
            ["node"] = _context.NodeId,
            // Refusals of this user and cap left out of the trail since the previous row (at most one a minute).
            ["not_audited_since_last"] = leftOut.ToString(CultureInfo.InvariantCulture),
        };
        await _context.Audit.AppendAsync(_state.Event(AuditEventTypes.LimitUserCap, AuditSeverity.Warning, data, refusal.User)).ConfigureAwait(false);
        var alert = new Dictionary<string, string>(data)
        {
            ["summary"] = $"{refusal.User} reached {refusal.Setting} ({refusal.Limit.ToString(CultureInfo.InvariantCulture)}) on gateway node {_context.NodeId}; " +
                          "further refusals for a minute are counted, not alerted",
        };
        await _context.Audit.AppendAsync(_state.Event(AlertTypes.UserCapReached, AuditSeverity.Warning, alert, refusal.User)).ConfigureAwait(false);
    }

    /// <summary>The connection ended: its lease and every channel lease still held are released (each exactly once).</summary>
    public void Dispose() => Interlocked.Exchange(ref _lease, null)?.Dispose();
}
