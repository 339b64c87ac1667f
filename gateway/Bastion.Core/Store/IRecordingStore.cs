namespace Bastion.Core.Store;

/// <summary>
/// Recordings of terminated (recorded-mode) sessions, kept in the store so that any admin node can replay what any
/// gateway node recorded. A recording is an asciicast v2 document cut into chunks as it is written; the chunks in
/// sequence order, concatenated, are the document, and its SHA-256 is sealed into the audit chain when it ends.
/// Also the pinned host keys of targets, since recorded mode is the one place the gateway itself logs in to them.
/// </summary>
public interface IRecordingStore
{
    /// <summary>Starts a recording; <see cref="RecordingInfo.Status"/> should be <see cref="RecordingStatus.Recording"/>.
    /// Throws <see cref="StoreConflictException"/> if the id exists, and <see cref="ArgumentException"/> unless it starts empty
    /// (that status, no end, no SHA-256, 0 bytes).</summary>
    Task CreateRecordingAsync(RecordingInfo recording, CancellationToken ct = default);

    /// <summary>
    /// Appends chunk <paramref name="sequence"/> (0, 1, 2, … with no gaps) of a recording that is still
    /// <see cref="RecordingStatus.Recording"/>. Throws <see cref="StoreConflictException"/> for a sequence number already
    /// written, and <see cref="EntityNotFoundException"/> for an unknown or already sealed recording.
    /// A sequence number past the next one (a gap, so a chunk would be missing) is refused with
    /// <see cref="StoreConflictException"/> too; the message names the next one.
    /// </summary>
    Task AppendRecordingChunkAsync(string recordingId, int sequence, ReadOnlyMemory<byte> data, CancellationToken ct = default);

    /// <summary>Ends a recording: its end time, total bytes, SHA-256 (lowercase hex) of the document and final status.
    /// Throws <see cref="EntityNotFoundException"/> if it is unknown or sealed already (or marked lost), and
    /// <see cref="ArgumentException"/> for a status other than complete or truncated.</summary>
    Task SealRecordingAsync(string recordingId, DateTimeOffset endedAt, long bytes, string sha256, string status, CancellationToken ct = default);

    /// <summary>Marks the recordings <paramref name="nodeId"/> left unsealed (it crashed) as <see cref="RecordingStatus.Lost"/>,
    /// with their bytes so far and <paramref name="at"/> as end; returns their ids, each to exactly one of several callers
    /// at once. Their chunks stay replayable.</summary>
    Task<IReadOnlyList<string>> MarkUnsealedRecordingsLostAsync(string nodeId, DateTimeOffset at, CancellationToken ct = default);

    Task<RecordingInfo?> GetRecordingAsync(string recordingId, CancellationToken ct = default);

    /// <summary>Newest first (ties by id, descending); at most <see cref="RecordingQuery.Limit"/> rows, clamped to 1..1000.</summary>
    Task<IReadOnlyList<RecordingInfo>> ListRecordingsAsync(RecordingQuery query, CancellationToken ct = default);

    /// <summary>The chunks of a recording in sequence order (empty for an unknown id); read lazily, one at a time.</summary>
    IAsyncEnumerable<ReadOnlyMemory<byte>> ReadRecordingAsync(string recordingId, CancellationToken ct = default);

    /// <summary>The chunks numbered <paramref name="fromSequence"/> and after, in order: what a live viewer has not seen yet.</summary>
    IAsyncEnumerable<ReadOnlyMemory<byte>> ReadRecordingFromAsync(string recordingId, int fromSequence, CancellationToken ct = default);

    /// <summary>
    /// Deletes a recording that has ended (any status but <see cref="RecordingStatus.Recording"/>) with its chunks:
    /// retention. False if it is unknown, already deleted (by another node) or still being written.
    /// </summary>
    Task<bool> DeleteRecordingAsync(string recordingId, CancellationToken ct = default);

    /// <summary>
    /// Trust on first use: stores <paramref name="hostKey"/> for <paramref name="subject"/> (a target's name or instance
    /// id) if none is stored, atomically across nodes, and returns the key stored now (the caller compares).
    /// </summary>
    Task<PinnedHostKey> PinTargetHostKeyAsync(string subject, PinnedHostKey hostKey, CancellationToken ct = default);

    /// <summary>Subjects compare ignoring case.</summary>
    Task<PinnedHostKey?> GetTargetHostKeyAsync(string subject, CancellationToken ct = default);

    /// <summary>Forgets a pinned key (the target was rebuilt); false if none was stored.</summary>
    Task<bool> RemoveTargetHostKeyAsync(string subject, CancellationToken ct = default);
}

/// <summary>Recording states as stored.</summary>
public static class RecordingStatus
{
    /// <summary>Being written by a gateway node.</summary>
    public const string Recording = "recording";

    /// <summary>Ended normally; every byte the target sent was recorded.</summary>
    public const string Complete = "complete";

    /// <summary>Ended after a write failed (fail-open mode kept the session going without recording).</summary>
    public const string Truncated = "truncated";

    /// <summary>Its node died before sealing it; found and marked when that node restarts.</summary>
    public const string Lost = "lost";
}

/// <param name="Id">Unique, chosen by the gateway (a GUID in "N" format).</param>
/// <param name="SessionId">The SSH connection's session id, as in the audit trail.</param>
/// <param name="TargetUser">The account the gateway logged in to on the target.</param>
/// <param name="Command">The command run on the target; null for an interactive shell.</param>
/// <param name="Sha256">Lowercase hex of the whole document; null until sealed.</param>
public sealed record RecordingInfo(
    string Id,
    string SessionId,
    string NodeId,
    string UserName,
    string SourceAddress,
    string TargetName,
    string TargetAddress,
    string TargetUser,
    string? Command,
    int Columns,
    int Rows,
    DateTimeOffset StartedAt,
    DateTimeOffset? EndedAt,
    long Bytes,
    string? Sha256,
    string Status);

/// <summary>Filters for <see cref="IRecordingStore.ListRecordingsAsync"/>; null means any. Times are inclusive-exclusive
/// and apply to <see cref="RecordingInfo.StartedAt"/>; target names compare ignoring case, as everywhere.</summary>
public sealed record RecordingQuery(
    string? UserName = null,
    string? TargetName = null,
    string? SessionId = null,
    string? NodeId = null,
    string? Status = null,
    DateTimeOffset? From = null,
    DateTimeOffset? Until = null,
    int Limit = 100);

/// <param name="KeyType">e.g. "ssh-ed25519".</param>
/// <param name="Fingerprint">"SHA256:…" as OpenSSH prints it.</param>
public sealed record PinnedHostKey(string KeyType, string Fingerprint, DateTimeOffset FirstSeenAt);
