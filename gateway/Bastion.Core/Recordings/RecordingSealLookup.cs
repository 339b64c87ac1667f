using System.Security.Cryptography;
using Bastion.Core.Audit;
using Bastion.Core.Store;

namespace Bastion.Core.Recordings;

/// <summary>The two halves of checking a recording: its stored bytes hashed again, and the hash the audit chain holds for it.</summary>
public static class RecordingSealLookup
{
    /// <summary>Seal events of one session are a handful (one per recorded channel); this bounds a hostile flood.</summary>
    private const int MaxEventsScanned = 1000;

    /// <summary>SHA-256 (lowercase hex) and size of the stored chunks, read one chunk at a time.</summary>
    public static async Task<(string Sha256, long Bytes)> HashStoredAsync(IRecordingStore store, string recordingId, CancellationToken ct)
    {
        using var hash = IncrementalHash.CreateHash(HashAlgorithmName.SHA256);
        long bytes = 0;
        await foreach (var chunk in store.ReadRecordingAsync(recordingId, ct).ConfigureAwait(false))
        {
            hash.AppendData(chunk.Span);
            bytes += chunk.Length;
        }
        return (Convert.ToHexStringLower(hash.GetHashAndReset()), bytes);
    }

    /// <summary>
    /// The audit event that sealed the recording: session.recording.sealed, or session.recording.lost for one its node
    /// never sealed (hashed when the node started again). Null if the trail holds none.
    /// </summary>
    public static async Task<AuditRecord?> FindSealEventAsync(IAuditStore store, RecordingInfo recording, CancellationToken ct)
    {
        var type = recording.Status == RecordingStatus.Lost ? AuditEventTypes.RecordingLost : AuditEventTypes.RecordingSealed;
        var query = new AuditQuery { Type = type, SessionId = recording.SessionId, Limit = 100 };
        for (var scanned = 0; scanned < MaxEventsScanned;)
        {
            var page = await store.QueryAuditEventsAsync(query, ct).ConfigureAwait(false);
            var match = page.Events.FirstOrDefault(e => e.Data.GetValueOrDefault("recording_id") == recording.Id);
            if (match is not null)
            {
                return match;
            }
            scanned += page.Events.Count;
            if (page.NextBeforeSeq is not { } next)
            {
                return null;
            }
            query = query with { BeforeSeq = next };
        }
        return null;
    }
}
