using Bastion.Core.Audit;
using Bastion.Core.Store;

namespace Bastion.Admin.Recordings;

/// <summary>
/// The <see cref="AuditEventTypes.RecordingSealed"/> event the gateway wrote for a recording, if the audit trail holds
/// one. The recording's row can be edited together with its chunks; the trail's copy of the hash is protected by the
/// hash chain, so the two are compared.
/// </summary>
public sealed record RecordingSealInTrail(AuditRecord? Event)
{
    /// <summary>Sealed events of one session are a handful (one per recorded channel); this bounds a hostile flood.</summary>
    private const int MaxEventsScanned = 1000;

    public string? Sha256 => Event?.Data.GetValueOrDefault("sha256");

    /// <summary>Searches the session's sealed events (newest first) for one naming the recording.</summary>
    public static async Task<RecordingSealInTrail> FindAsync(AuditTrail trail, RecordingInfo recording, CancellationToken ct)
    {
        var query = new AuditQuery { Type = AuditEventTypes.RecordingSealed, SessionId = recording.SessionId, Limit = 100 };
        for (var scanned = 0; scanned < MaxEventsScanned;)
        {
            var page = await trail.QueryAsync(query, ct);
            var match = page.Events.FirstOrDefault(e => e.Data.GetValueOrDefault("recording_id") == recording.Id);
            if (match is not null)
            {
                return new RecordingSealInTrail(match);
            }
            scanned += page.Events.Count;
            if (page.NextBeforeSeq is not { } next)
            {
                break;
            }
            query = query with { BeforeSeq = next };
        }
        return new RecordingSealInTrail(Event: null);
    }

    /// <summary>True when the trail holds the seal with the same hash as the recording's row.</summary>
    public bool Matches(RecordingInfo recording) =>
        Sha256 is not null && recording.Sha256 is not null && string.Equals(Sha256, recording.Sha256, StringComparison.OrdinalIgnoreCase);

    /// <summary>One line for the replay page.</summary>
    public string Describe(RecordingInfo recording)
    {
        if (Event is null)
        {
            return $"The audit trail holds no {AuditEventTypes.RecordingSealed} event for this recording.";
        }
        var at = $"event {Event.Seq} ({Event.Timestamp.UtcDateTime:yyyy-MM-dd HH:mm:ss} UTC)";
        return Matches(recording)
            ? $"Sealed in the audit trail: {at} holds the same SHA-256."
            : $"The audit trail's seal, {at}, holds a different SHA-256 ({Sha256 ?? "none"}) — the recording's sealed hash was changed.";
    }
}
