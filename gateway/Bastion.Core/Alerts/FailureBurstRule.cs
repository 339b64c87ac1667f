using System.Globalization;
using Bastion.Core.Audit;
using Bastion.Core.Security;
using Bastion.Core.Store;

namespace Bastion.Core.Alerts;

/// <summary>
/// Many failed logins for one user, or from one address (IPv6: one /64), within the window: one alert per burst. Counted
/// in store counters (<see cref="IAuthFailureStore"/>, a window opening at the first failure), not by reading the
/// audit trail back, so a failure costs one upsert per subject however many came before; and behind a load balancer
/// the nodes' counts add up. A connection audits only its first failure per method and sums up the rest in its
/// disconnect event, so both are counted: the auth.failure row as one, the disconnect as the failures it summed up.
/// The episode table decides (atomically) which failure starts the burst; the burst goes on as long as the threshold
/// keeps being reached, and a new one needs a whole quiet window first.
/// </summary>
internal sealed class FailureBurstRule(IAuthFailureStore counters, IAnomalyBaselineStore baselines, AnomalyDetectionOptions options, TimeProvider time) : IAnomalyRule
{
    public bool Handles(string type) => type is AuditEventTypes.AuthFailure or AuditEventTypes.Disconnect;

    public async Task<AuditEvent?> EvaluateAsync(AuditRecord record, CancellationToken ct)
    {
        var amount = Failures(record);
        if (amount == 0)
        {
            return null;
        }
        var threshold = options.MfaFailureBurstThreshold;
        var window = options.MfaFailureBurstWindow;
        var counter = AuthFailureRule.Counter(window);
        // Counted at the failure's own time (not "now"), so a backlog evaluated late judges the same way.
        var userFailures = LoginSubjects.User(record.User) is { } userKey
            ? (await counters.RecordAuthFailureAsync("burst:" + userKey, counter, record.Timestamp, amount, ct).ConfigureAwait(false)).Failures
            : 0;
        var host = SourceNetwork.TryParseHost(record.SourceAddress, out var address) ? address : null;
        var sourceFailures = host is null
            ? 0
            : (await counters.RecordAuthFailureAsync("burst:" + LoginSubjects.Address(host), counter, record.Timestamp, amount, ct).ConfigureAwait(false)).Failures;

        var userHolds = userFailures >= threshold;
        var sourceHolds = sourceFailures >= threshold;
        var userEpisode = "user:" + record.User;
        var sourceEpisode = host is null ? null : "source:" + LoginSubjects.Network(host);
        var userBurst = userHolds && await baselines.TryStartEpisodeAsync(userEpisode, record.Timestamp, window, ct).ConfigureAwait(false);
        var sourceBurst = sourceHolds && await baselines.TryStartEpisodeAsync(sourceEpisode!, record.Timestamp, window, ct).ConfigureAwait(false);
        if (!userBurst && !sourceBurst)
        {
            return null;
        }
        // One attack, one alert: when the address (or user) reaches the threshold inside a burst already alerted for
        // the user (or address), it only joins that episode — also when the other's count has just restarted with a
        // new window (counts restart; the episode lasts until a whole window is quiet).
        var userJoined = userHolds ? !userBurst : sourceBurst && userFailures > 0 && await baselines.IsEpisodeRunningAsync(userEpisode, record.Timestamp, window, ct).ConfigureAwait(false);
        var sourceJoined = sourceHolds ? !sourceBurst : userBurst && sourceFailures > 0 && await baselines.IsEpisodeRunningAsync(sourceEpisode!, record.Timestamp, window, ct).ConfigureAwait(false);
        if (userJoined || sourceJoined)
        {
            return null;
        }
        var minutes = window.TotalMinutes >= 1 ? $"{window.TotalMinutes:0.#} min" : $"{window.TotalSeconds:0} s";
        var summary = userBurst
            ? $"{userFailures} failed logins for {record.User} within {minutes} (latest from {host?.ToString() ?? "?"}: {Reason(record)}) at {AlertEvent.Utc(record.Timestamp)}"
            : $"{sourceFailures} failed logins from {LoginSubjects.Network(host!)} within {minutes} (latest for {record.User ?? "?"}: {Reason(record)}) at {AlertEvent.Utc(record.Timestamp)}";
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
    /// The failures <paramref name="record"/> stands for. Wrong codes, bad signatures, denied approvals, lockouts count.
    /// A client offering keys the gateway does not know does not: OpenSSH tries every key in the agent, so a developer
    /// with five keys would "burst" on each login.
    /// </summary>
    internal static int Failures(AuditRecord record)
    {
        if (record.Type == AuditEventTypes.AuthFailure)
        {
            return AuthFailureReasons.IsKeyProbe(record.Data.GetValueOrDefault("method"), record.Data.GetValueOrDefault("reason")) ? 0 : 1;
        }
        // A disconnect: the failures it summed up (those without an auth.failure row of their own), key probes aside.
        return record.Type == AuditEventTypes.Disconnect
            && int.TryParse(record.Data.GetValueOrDefault("auth_failures_beyond_rows"), NumberStyles.None, CultureInfo.InvariantCulture, out var beyond)
            && int.TryParse(record.Data.GetValueOrDefault("key_probes_beyond_rows", "0"), NumberStyles.None, CultureInfo.InvariantCulture, out var probes)
            ? Math.Max(0, beyond - probes)
            : 0;
    }

    private static string Reason(AuditRecord record) =>
        record.Data.GetValueOrDefault("reason") is { } reason && record.Type == AuditEventTypes.AuthFailure
            ? reason
            : record.Data.GetValueOrDefault("auth_failure_reasons", "?");
}
