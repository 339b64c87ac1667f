using Bastion.Core.Recordings;
using Bastion.Core.Store;

namespace Bastion.Admin.Recordings;

public enum RecordingIntegrityState
{
    /// <summary>The stored chunks hash to the sealed SHA-256.</summary>
    Intact,

    /// <summary>The stored chunks hash to something else than the sealed SHA-256.</summary>
    Altered,

    /// <summary>No SHA-256 was sealed (still recording, or lost with its node).</summary>
    NotSealed,
}

/// <summary>
/// The stored recording checked against its sealed hash: the chunks are streamed from the store and hashed as they
/// come, so checking a long recording costs one chunk of memory, not the whole document.
/// </summary>
public sealed record RecordingIntegrity(RecordingIntegrityState State, string ComputedSha256, long ComputedBytes)
{
    public static async Task<RecordingIntegrity> CheckAsync(IRecordingStore store, RecordingInfo recording, CancellationToken ct)
    {
        var (computed, bytes) = await RecordingSealLookup.HashStoredAsync(store, recording.Id, ct);
        var state = recording.Sha256 is null ? RecordingIntegrityState.NotSealed
            : string.Equals(computed, recording.Sha256, StringComparison.OrdinalIgnoreCase) ? RecordingIntegrityState.Intact
            : RecordingIntegrityState.Altered;
        return new RecordingIntegrity(state, computed, bytes);
    }

    /// <summary>One line for the replay page.</summary>
    public string Describe(RecordingInfo recording) => State switch
    {
        RecordingIntegrityState.Intact => $"Intact: the {ComputedBytes} stored bytes hash to the sealed SHA-256.",
        RecordingIntegrityState.Altered =>
            $"The stored bytes ({ComputedBytes}, SHA-256 {ComputedSha256}) do not match the sealed hash — the recording was altered after it was sealed.",
        _ => $"Not sealed (status {recording.Status}): there is no sealed hash to check the {ComputedBytes} stored bytes against.",
    };
}
