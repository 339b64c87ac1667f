using System.Diagnostics.Metrics;
using Bastion.Core.Store;
using Bastion.Gateway.Hosting;
using Bastion.Gateway.Ssh;
using Bastion.Ssh.Authentication;
using Bastion.Ssh.Resources;

namespace Bastion.Gateway.Observability;

/// <summary>
/// The gateway's instruments on the meter "Bastion.Gateway". Gauges are observed from the live state (open
/// connections, channels, inventory, audit queue) at scrape time; counters are bumped where things happen.
/// Labels carry only bounded, non-secret values: auth method and outcome, MFA policy, direction, account alias.
/// </summary>
public sealed class GatewayMetrics
{
    public const string MeterName = "Bastion.Gateway";

    private readonly Counter<long> _authResults;
    private readonly Counter<long> _logins;
    private readonly Counter<long> _relayBytes;
    private readonly Counter<long> _recordings;
    private readonly Counter<long> _recordingBytes;
    private readonly Counter<long> _silentConnections;
    private readonly Counter<long> _dnsDropped;
    private readonly Counter<long> _channelsAtDescriptorLimit;
    private readonly Counter<long> _connectionsRefusedForMemory;
    private readonly Counter<long> _capRefusals;

    public GatewayMetrics(IMeterFactory meters, BastionContext context, ActiveSessions active, DescriptorBudget? descriptors = null)
    {
        var meter = meters.Create(MeterName);
        if (descriptors is not null)
        {
            meter.CreateObservableGauge("process.open_fds", () => descriptors.InUse,
                description: "File descriptors open in the gateway process (sampled each second, plus sockets opened since)");
            meter.CreateObservableGauge("process.max_fds", () => descriptors.Limit,
                description: "The process's open-file limit (RLIMIT_NOFILE soft limit)");
            meter.CreateObservableGauge("process.fds_available", () => descriptors.Available,
                description: "Sockets that can still be opened before new connections and channels are refused (the reserve kept back)");
        }
        _connectionsRefusedForMemory = meter.CreateCounter<long>("connections.refused.memory",
            description: "New connections refused because the process is short of memory (GC memory load at its high-load threshold)");
        _channelsAtDescriptorLimit = meter.CreateCounter<long>("channels.refused.fd_limit",
            description: "Channel opens refused because the gateway is at its open-file limit");
        meter.CreateObservableGauge("active_connections", () => active.Count,
            description: "SSH connections open on this node, authenticated or not");
        meter.CreateObservableGauge("active_sessions", () => active.Snapshot().Count(s => s.Authenticated),
            description: "Authenticated SSH connections open on this node");
        meter.CreateObservableGauge("active_channels", () => active.Snapshot().Sum(s => s.Channels.Count),
            description: "Channels to a target right now: forwarded (direct-tcpip) and recorded sessions");
        _authResults = meter.CreateCounter<long>("auth.results",
            description: "Authentication requests by method (publickey, keyboard-interactive) and result (success, partial, failure)");
        _logins = meter.CreateCounter<long>("logins",
            description: "Completed logins by the MFA policy that was satisfied (key+totp, sk, sk+totp, key+webauthn, key)");
        _relayBytes = meter.CreateCounter<long>("relay.bytes", "By",
            description: "Bytes relayed between clients and targets, by direction (to_target, to_client)");
        _recordings = meter.CreateCounter<long>("recordings",
            description: "Recorded sessions ended, by result (complete, truncated, failed: the store refused a write or the seal)");
        _recordingBytes = meter.CreateCounter<long>("recording.bytes", "By",
            description: "Bytes of asciicast written to the store by sealed recordings");
        _silentConnections = meter.CreateCounter<long>("connections.silent",
            description: "Connections closed by the client before it sent a byte (TCP health checks, port probes); counted here, not audited");
        _dnsDropped = meter.CreateCounter<long>("dns.responses.dropped",
            description: "Inventory DNS queries left unanswered because their source was over its response rate limit, by transport (udp, tcp)");
        _capRefusals = meter.CreateCounter<long>("limits.refusals",
            description: "Logins and channel opens refused because the user reached a per-user cap on this node, by cap (ConnectionsPerUser, ChannelsPerUser, ChannelOpensPerMinute)");
        meter.CreateObservableGauge("inventory.snapshot.age", () => InventoryAges(context), "s",
            "Seconds since each cloud account's instance list was last refreshed successfully");
        meter.CreateObservableGauge("inventory.account.resolving", () => InventoryResolving(context), null,
            "1 while the account's names resolve, 0 once its instance list is older than Bastion:Inventory:Ec2:MaxStaleSeconds");
        meter.CreateObservableGauge("audit.queue.depth", () => context.Audit.QueueDepth,
            description: "Audit events queued and not yet written to the store");
    }

    /// <summary>One authentication answer; "listing" answers (method probing) are not attempts and are not counted.</summary>
    public void AuthResult(string method, AuthOutcome outcome)
    {
        var result = outcome switch
        {
            AuthOutcome.Success => "success",
            AuthOutcome.PartialSuccess => "partial",
            AuthOutcome.Failure => "failure",
            _ => null,
        };
        if (result is not null)
        {
            _authResults.Add(1, new("method", KnownMethod(method)), new("result", result));
        }
    }

    /// <summary>The client names the method, so anything unexpected is folded into "other" to keep the label bounded.</summary>
    private static string KnownMethod(string method) => method switch
    {
        "publickey" or "keyboard-interactive" or "password" or "hostbased" or "none" or "gssapi-with-mic" => method,
        _ => "other",
    };

    public void SilentConnection() => _silentConnections.Add(1);

    public void ChannelRefusedAtDescriptorLimit() => _channelsAtDescriptorLimit.Add(1);

    public void ConnectionRefusedForMemory() => _connectionsRefusedForMemory.Add(1);

    /// <summary>A DNS query dropped by the per-source response limit; <paramref name="transport"/> is "udp" or "tcp".</summary>
    public void DnsResponseDropped(string transport) => _dnsDropped.Add(1, new KeyValuePair<string, object?>("transport", transport));

    /// <summary>A login or channel open refused by a per-user cap; <paramref name="cap"/> is one of <see cref="Limits.UserCaps"/>.</summary>
    public void CapRefused(string cap) => _capRefusals.Add(1, new KeyValuePair<string, object?>("cap", cap));

    public void Login(string mfaPolicy) => _logins.Add(1, new KeyValuePair<string, object?>("mfa", mfaPolicy));

    public void RecordingEnded(string result, long bytes)
    {
        _recordings.Add(1, new KeyValuePair<string, object?>("result", result));
        _recordingBytes.Add(bytes);
    }

    public void BytesToTarget(int count) => _relayBytes.Add(count, new KeyValuePair<string, object?>("direction", "to_target"));

    public void BytesToClient(int count) => _relayBytes.Add(count, new KeyValuePair<string, object?>("direction", "to_client"));

    private static IEnumerable<Measurement<int>> InventoryResolving(BastionContext context)
    {
        var now = context.Time.GetUtcNow();
        var maxStale = TimeSpan.FromSeconds(context.Options.Inventory.Ec2.MaxStaleSeconds);
        foreach (var account in context.InventoryState.Accounts)
        {
            var label = string.IsNullOrEmpty(account.Alias) ? account.AccountId : account.Alias;
            var fresh = account.LastSuccess is { } success && now - success <= maxStale;
            yield return new Measurement<int>(fresh ? 1 : 0, new KeyValuePair<string, object?>("account", label));
        }
    }

    private static IEnumerable<Measurement<double>> InventoryAges(BastionContext context)
    {
        var now = context.Time.GetUtcNow();
        foreach (var account in context.InventoryState.Accounts)
        {
            if (account.LastSuccess is { } success)
            {
                var label = string.IsNullOrEmpty(account.Alias) ? account.AccountId : account.Alias;
                yield return new Measurement<double>(Math.Max(0, (now - success).TotalSeconds), new KeyValuePair<string, object?>("account", label));
            }
        }
    }
}
