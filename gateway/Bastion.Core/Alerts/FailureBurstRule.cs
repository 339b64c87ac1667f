using Bastion.Core.Audit;
using Bastion.Core.Store;

namespace Bastion.Core.Alerts;

/// <summary>
/// Many failed logins for one user, or from one address, within the window: one alert per burst. Behind a load
/// balancer the failures are spread over nodes, so they are counted in the shared audit store, and the store's
/// episode table decides (atomically) which node's failure starts the burst; the burst goes on as long as the
/// threshold keeps being reached, and a new one needs a whole quiet window first.
/// </summary>
internal sealed class FailureBurstRule(IAuditStore audit, IAnomalyBaselineStore baselines, AnomalyDetectionOptions options, TimeProvider time) : IAnomalyRule
{
    /// <summary>Bounds the store reads per evaluated failure (pages of 1000).</summary>
    private const int MaxPages = 10;

    public bool Handles(string type) => type == AuditEventTypes.AuthFailure;

    public async Task<AuditEvent?> EvaluateAsync(AuditRecord record, CancellationToken ct)
    {
        if (!Counts(record))
        {
            return null;
        }
        var threshold = options.MfaFailureBurstThreshold;
        var window = options.MfaFailureBurstWindow;
        // The window ends at the failure itself (not at "now"), so a backlog evaluated late judges the same way.
        var query = new AuditQuery { Type = AuditEventTypes.AuthFailure, From = record.Timestamp - window, BeforeSeq = record.Seq + 1, Limit = 1000 };
        var userFailures = record.User is { } user
            ? await CountAsync(query with { User = user }, _ => true, threshold, ct).ConfigureAwait(false)
            : 0;
        var host = SourceNetwork.TryParseHost(record.SourceAddress, out var address) ? address : null;
        var sourceFailures = host is null
            ? 0
            : await CountAsync(query, r => SourceNetwork.TryParseHost(r.SourceAddress, out var a) && a.Equals(host), threshold, ct).ConfigureAwait(false);

        var userHolds = userFailures >= threshold;
        var sourceHolds = sourceFailures >= threshold;
        var userBurst = userHolds && await baselines.TryStartEpisodeAsync("user:" + record.User, record.Timestamp, window, ct).ConfigureAwait(false);
        var sourceBurst = sourceHolds && await baselines.TryStartEpisodeAsync("source:" + host, record.Timestamp, window, ct).ConfigureAwait(false);
        // One attack, one alert: when the address (or user) reaches the threshold inside a burst already alerted for
        // the user (or address), it only joins that episode.
        if ((!userBurst && !sourceBurst) || (userHolds && !userBurst) || (sourceHolds && !sourceBurst))
        {
            return null;
        }
        var minutes = window.TotalMinutes >= 1 ? $"{window.TotalMinutes:0.#} min" : $"{window.TotalSeconds:0} s";
        var summary = userBurst
            ? $"{userFailures} failed logins for {record.User} within {minutes} (latest from {host?.ToString() ?? "?"}: {Reason(record)}) at {AlertEvent.Utc(record.Timestamp)}"
            : $"{sourceFailures} failed logins from {host} within {minutes} (latest for {record.User ?? "?"}: {Reason(record)}) at {AlertEvent.Utc(record.Timestamp)}";
        var delay = time.GetUtcNow() - record.Timestamp;
        return AlertEvent.For(record, AlertTypes.MfaFailureBurst, AuditSeverity.Warning, summary,
            ("subject", userBurst && sourceBurst ? "user,source" : userBurst ? "user" : "source"),
            ("user_failures", AlertEvent.Text(userFailures)),
            ("source_failures", AlertEvent.Text(sourceFailures)),
            ("threshold", AlertEvent.Text(threshold)),
            ("window_seconds", AlertEvent.Text((long)window.TotalSeconds)),
            ("reason", Reason(record)),
            ("detection_delay_ms", AlertEvent.Text(Math.Max(0, (long)delay.TotalMilliseconds))));
    }

    /// <summary>
    /// Wrong codes, bad signatures, denied approvals, lockouts count. A client offering keys the gateway does not
    /// know does not: OpenSSH tries every key in the agent, so a developer with five keys would "burst" on each login.
    /// </summary>
    internal static bool Counts(AuditRecord record) =>
        record.Type == AuditEventTypes.AuthFailure
        && !(record.Data.GetValueOrDefault("method") == "publickey"
             && record.Data.GetValueOrDefault("reason") is "key not enrolled for this user" or "unknown user");

    private static string Reason(AuditRecord record) => record.Data.GetValueOrDefault("reason", "?");

    /// <summary>Counts matching failures in the window, stopping once the threshold is reached.</summary>
    private async Task<int> CountAsync(AuditQuery query, Func<AuditRecord, bool> matches, int enough, CancellationToken ct)
    {
        var count = 0;
        for (var page = 0; page < MaxPages; page++)
        {
            var result = await audit.QueryAuditEventsAsync(query, ct).ConfigureAwait(false);
            count += result.Events.Count(r => Counts(r) && matches(r));
            if (count >= enough || result.NextBeforeSeq is not { } next)
            {
                break;
            }
            query = query with { BeforeSeq = next };
        }
        return count;
    }
}
