using System.Globalization;
using Bastion.Core.Audit;
using Bastion.Core.Store;

namespace Bastion.Core.Recordings;

/// <summary>
/// Deletes recordings that ended before a cut-off, each deletion audited with the recording's sealed hash, so the
/// trail still says what existed and that it was removed on purpose. Safe to run on several nodes at once: a
/// recording is deleted (and audited) by exactly one of them.
/// </summary>
public static class RecordingRetention
{
    private const int PageSize = 500;
    private const int MaxPagesPerRun = 200;

    public static async Task<int> PruneAsync(IBastionStore store, AuditTrail audit, DateTimeOffset endedBefore, string actor, string reason, CancellationToken ct)
    {
        var deleted = 0;
        for (var page = 0; page < MaxPagesPerRun; page++)
        {
            // Started before the cut-off is a superset of ended before it; the rest is filtered here.
            var candidates = await store.ListRecordingsAsync(new RecordingQuery(Until: endedBefore, Limit: PageSize), ct).ConfigureAwait(false);
            var expired = candidates.Where(r => r.Status != RecordingStatus.Recording && r.EndedAt is { } end && end < endedBefore).ToList();
            var deletedThisPage = 0;
            foreach (var recording in expired)
            {
                if (!await store.DeleteRecordingAsync(recording.Id, ct).ConfigureAwait(false))
                {
                    continue;
                }
                deletedThisPage++;
                await audit.AppendNowAsync(new AuditEvent(AuditEventTypes.RecordingDeleted, AuditSeverity.Notice)
                {
                    SessionId = recording.SessionId,
                    User = actor,
                    Data = new Dictionary<string, string>
                    {
                        ["recording_id"] = recording.Id,
                        ["subject"] = recording.UserName,
                        ["target"] = recording.TargetName,
                        ["status"] = recording.Status,
                        ["sha256"] = recording.Sha256 ?? "",
                        ["bytes"] = recording.Bytes.ToString(CultureInfo.InvariantCulture),
                        ["ended_at"] = recording.EndedAt!.Value.ToString("O", CultureInfo.InvariantCulture),
                        ["reason"] = reason,
                    },
                }, ct).ConfigureAwait(false);
            }
            deleted += deletedThisPage;
            // Only recordings still being written are left on a page without deletions: nothing more to do.
            if (candidates.Count < PageSize || deletedThisPage == 0)
            {
                break;
            }
        }
        return deleted;
    }
}
