using System.Security.Cryptography;
using Bastion.Core.Audit;
using Bastion.Core.Store;

namespace Bastion.Core.Recordings;

/// <summary>
/// Whether a stored recording is what was recorded: its chunks are hashed again and compared with the SHA-256 in
/// the recordings table and with the one sealed into the audit chain (which <c>audit verify</c> protects). Editing
/// both the chunks and the table is still caught by the chain.
/// </summary>
public static class RecordingIntegrity
{
    public static async Task<RecordingIntegrityReport> CheckAsync(IBastionStore store, RecordingInfo recording, CancellationToken ct = default)
    {
        using var hash = IncrementalHash.CreateHash(HashAlgorithmName.SHA256);
        long bytes = 0;
        await foreach (var chunk in store.ReadRecordingAsync(recording.Id, ct).ConfigureAwait(false))
        {
            hash.AppendData(chunk.Span);
            bytes += chunk.Length;
        }
        var computed = Convert.ToHexStringLower(hash.GetCurrentHash());
        var sealedInAudit = await FindAuditSealAsync(store, recording, ct).ConfigureAwait(false);
        return new RecordingIntegrityReport(recording, computed, bytes, sealedInAudit);
    }

    private static async Task<string?> FindAuditSealAsync(IAuditStore store, RecordingInfo recording, CancellationToken ct)
    {
        var query = new AuditQuery { Type = AuditEventTypes.RecordingSealed, SessionId = recording.SessionId, Limit = 1000 };
        var page = await store.QueryAuditEventsAsync(query, ct).ConfigureAwait(false);
        return page.Events
            .Where(e => e.Data.TryGetValue("recording_id", out var id) && id == recording.Id)
            .Select(e => e.Data.TryGetValue("sha256", out var sha) ? sha : null)
            .FirstOrDefault();
    }
}

/// <param name="ComputedSha256">SHA-256 of the chunks as stored now.</param>
/// <param name="AuditSha256">The SHA-256 in the audit chain's session.recording.sealed event; null if there is none.</param>
public sealed record RecordingIntegrityReport(RecordingInfo Recording, string ComputedSha256, long ComputedBytes, string? AuditSha256)
{
    public bool IsSealed => Recording.Sha256 is not null;

    /// <summary>Sealed, and the stored bytes hash to both the table's and the audit chain's value.</summary>
    public bool Intact => IsSealed && ComputedSha256 == Recording.Sha256 && ComputedSha256 == AuditSha256;

    /// <summary>One sentence for the CLI and the web page.</summary>
    public string Verdict =>
        !IsSealed ? $"not sealed (status {Recording.Status}); {ComputedBytes} bytes stored so far" :
        AuditSha256 is null ? "sealed in the store but the audit trail has no seal event for it: the seal was lost or removed" :
        ComputedSha256 != AuditSha256 ? "does NOT match the hash sealed in the audit trail: the recording was altered" :
        ComputedSha256 != Recording.Sha256 ? "matches the audit trail, but the recordings table holds another hash: the table was edited" :
        "intact: matches the hash sealed in the audit trail";
}
