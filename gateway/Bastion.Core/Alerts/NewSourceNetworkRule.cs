using Bastion.Core.Audit;
using Bastion.Core.Store;

namespace Bastion.Core.Alerts;

/// <summary>A successful login from a network (IPv4 /24, IPv6 /64 by default) the user never logged in from.</summary>
internal sealed class NewSourceNetworkRule(IAnomalyBaselineStore baselines, AnomalyDetectionOptions options, TimeProvider time) : IAnomalyRule
{
    public const string BaselineKind = "network";

    public bool Handles(string type) => type == AuditEventTypes.AuthSuccess;

    public async Task<AuditEvent?> EvaluateAsync(AuditRecord record, CancellationToken ct)
    {
        if (record.User is not { } user || !SourceNetwork.TryParseHost(record.SourceAddress, out var address))
        {
            return null;
        }
        var network = SourceNetwork.Of(address, options.NewNetworkPrefixV4, options.NewNetworkPrefixV6);
        var seen = await baselines.TryRecordFirstSeenAsync(user, BaselineKind, network, record.Timestamp, ct).ConfigureAwait(false);
        if (!seen.IsNew || (seen.KnownBefore == 0 && !options.AlertOnFirstEverLogin))
        {
            // Known network, or the user's first login ever, which establishes the baseline (see AlertOnFirstEverLogin).
            return null;
        }
        var delay = time.GetUtcNow() - record.Timestamp;
        return AlertEvent.For(record, AlertTypes.NewSourceNetwork, AuditSeverity.Warning,
            $"{user} logged in from a new network {network} (from {address}) at {AlertEvent.Utc(record.Timestamp)}",
            ("network", network),
            ("address", address.ToString()),
            ("known_networks", AlertEvent.Text(seen.KnownBefore)),
            ("detection_delay_ms", AlertEvent.Text(Math.Max(0, (long)delay.TotalMilliseconds))));
    }
}
