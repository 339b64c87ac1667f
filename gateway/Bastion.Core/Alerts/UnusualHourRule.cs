using System.Globalization;
using Bastion.Core.Audit;
using Bastion.Core.Store;

namespace Bastion.Core.Alerts;

/// <summary>
/// A successful login at an hour of day (in the configured zone) at which the user never logged in, not even
/// within the tolerance either side, once enough logins are on record to know their habits.
/// </summary>
internal sealed class UnusualHourRule(IAnomalyBaselineStore baselines, AnomalyDetectionOptions options) : IAnomalyRule
{
    public bool Handles(string type) => type == AuditEventTypes.AuthSuccess;

    public async Task<AuditEvent?> EvaluateAsync(AuditRecord record, CancellationToken ct)
    {
        if (record.User is not { } user)
        {
            return null;
        }
        var local = TimeZoneInfo.ConvertTime(record.Timestamp, options.TimeZone);
        var hour = local.Hour;
        // Counted for every login, also before the baseline is complete; the counts before this one decide.
        var before = await baselines.RecordLoginHourAsync(user, hour, ct).ConfigureAwait(false);
        var logins = before.Sum();
        if (logins < options.MinLoginsForHourBaseline)
        {
            return null;
        }
        for (var offset = -options.HourTolerance; offset <= options.HourTolerance; offset++)
        {
            if (before[((hour + offset) % 24 + 24) % 24] > 0)
            {
                return null;
            }
        }
        var usual = string.Join(",", Enumerable.Range(0, 24).Where(h => before[h] > 0).Select(h => h.ToString("00", CultureInfo.InvariantCulture)));
        var zone = options.TimeZone.Id;
        return AlertEvent.For(record, AlertTypes.UnusualHour, AuditSeverity.Warning,
            $"{user} logged in at {local.ToString("yyyy-MM-dd HH:mm", CultureInfo.InvariantCulture)} {zone}, an hour they never logged in at " +
            $"(usual hours: {usual}; {AlertEvent.Text(logins)} logins on record)",
            ("hour", hour.ToString("00", CultureInfo.InvariantCulture)),
            ("time_zone", zone),
            ("usual_hours", usual),
            ("logins", AlertEvent.Text(logins)),
            ("tolerance_hours", AlertEvent.Text(options.HourTolerance)));
    }
}
