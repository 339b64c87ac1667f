using Bastion.Core.Audit;
using Bastion.Core.Recordings;
using Bastion.Core.Store;

namespace Bastion.Admin.Recordings;

/// <summary>
/// The <see cref="AuditEventTypes.RecordingSealed"/> event the gateway wrote for a recording, if the audit trail holds
/// one. The recording's row can be edited together with its chunks; the trail's copy of the hash is protected by the
/// hash chain, so the two are compared.
/// </summary>
public sealed record RecordingSealInTrail(AuditRecord? Event)
{
    public string? Sha256 => Event?.Data.GetValueOrDefault("sha256");

    public static async Task<RecordingSealInTrail> FindAsync(IAuditStore store, RecordingInfo recording, CancellationToken ct) =>
        new(await RecordingSealLookup.FindSealEventAsync(store, recording, ct));

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
