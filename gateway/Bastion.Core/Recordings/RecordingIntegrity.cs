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
        var (computed, bytes) = await RecordingSealLookup.HashStoredAsync(store, recording.Id, ct).ConfigureAwait(false);
        var seal = await RecordingSealLookup.FindSealEventAsync(store, recording, ct).ConfigureAwait(false);
        return new RecordingIntegrityReport(recording, computed, bytes, seal?.Data.GetValueOrDefault("sha256"));
    }
}

/// <param name="ComputedSha256">SHA-256 of the chunks as stored now.</param>
/// <param name="AuditSha256">The SHA-256 in the audit chain's session.recording.sealed event; null if there is none.</param>
public sealed record RecordingIntegrityReport(RecordingInfo Recording, string ComputedSha256, long ComputedBytes, string? AuditSha256)
{
    private bool IsLost => Recording.Status == RecordingStatus.Lost;

    public bool IsSealed => Recording.Sha256 is not null || IsLost;

    /// <summary>Sealed, and the stored bytes hash to the audit chain's value (and to the table's, which a lost recording lacks).</summary>
    public bool Intact => IsSealed && ComputedSha256 == AuditSha256 && (IsLost || ComputedSha256 == Recording.Sha256);

    /// <summary>One sentence for the CLI and the web page.</summary>
    public string Verdict =>
        !IsSealed ? $"not sealed yet (status {Recording.Status}); {ComputedBytes} bytes stored so far" :
        IsLost && AuditSha256 is null ? "lost (its gateway node stopped) and not yet hashed into the audit trail: that happens when the node starts again" :
        IsLost && ComputedSha256 == AuditSha256 ? "lost when its gateway node stopped; what was stored is intact (matches the hash in the audit trail)" :
        AuditSha256 is null ? "sealed in the store but the audit trail has no seal event for it: the seal was lost or removed" :
        ComputedSha256 != AuditSha256 ? "does NOT match the hash sealed in the audit trail: the recording was altered" :
        ComputedSha256 != Recording.Sha256 ? "matches the audit trail, but the recordings table holds another hash: the table was edited" :
        "intact: matches the hash sealed in the audit trail";
}
