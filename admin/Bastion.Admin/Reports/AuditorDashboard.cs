using Bastion.Core.Alerts;
using Bastion.Core.Audit;
using Bastion.Core.Store;
using Bastion.Hosting;

namespace Bastion.Admin.Reports;

/// <summary>
/// What an auditor looks at first: who is connected now, today's alerts, the newest recordings and whether the
/// audit chain still verifies.
/// </summary>
/// <param name="LiveSessions">The newest live sessions, at most <see cref="Shown"/>.</param>
/// <param name="AlertsToday">Alert events since 00:00 UTC, newest first, at most <see cref="Shown"/>.</param>
public sealed record AuditorDashboard(
    IReadOnlyList<LiveSession> LiveSessions,
    int LiveSessionCount,
    IReadOnlyList<AuditRecord> AlertsToday,
    bool MoreAlerts,
    DateTimeOffset Today,
    IReadOnlyList<RecordingInfo> RecentRecordings,
    AuditVerification Chain)
{
    public const int Shown = 10;

    public static async Task<AuditorDashboard> ReadAsync(BastionContext bastion, CancellationToken ct)
    {
        var live = await bastion.Store.ListLiveSessionsAsync(ct);
        var now = bastion.Time.GetUtcNow();
        var today = new DateTimeOffset(now.UtcDateTime.Date, TimeSpan.Zero);
        var alerts = await bastion.Audit.QueryAsync(new AuditQuery { Type = AlertTypes.Prefix, From = today, Limit = Shown }, ct);
        var recordings = await bastion.Store.ListRecordingsAsync(new RecordingQuery(Limit: 5), ct);
        return new AuditorDashboard(
            live.OrderByDescending(s => s.StartedAt).Take(Shown).ToList(), live.Count,
            alerts.Events, alerts.NextBeforeSeq is not null, today,
            recordings, await bastion.Audit.VerifyAsync(ct));
    }
}
