using System.Buffers;

namespace Bastion.Core.Store;

/// <summary>
/// Checks both stores make before writing a recording or a pinned key. Failing one is a bug in the caller (the
/// gateway), not bad user input, hence <see cref="ArgumentException"/>s that say what the store expects.
/// </summary>
internal static class RecordingRules
{
    private static readonly SearchValues<char> LowerHex = SearchValues.Create("0123456789abcdef");

    public static void EnsureNew(RecordingInfo recording)
    {
        ArgumentNullException.ThrowIfNull(recording);
        ArgumentException.ThrowIfNullOrEmpty(recording.Id, nameof(recording));
        if (recording.Status != RecordingStatus.Recording || recording.EndedAt is not null || recording.Sha256 is not null || recording.Bytes != 0)
        {
            throw new ArgumentException(
                $"recording {recording.Id} must start with status \"{RecordingStatus.Recording}\", no end, no SHA-256 and 0 bytes; " +
                "append its chunks, then seal it with SealRecordingAsync", nameof(recording));
        }
        if (recording.Columns < 0 || recording.Rows < 0)
        {
            throw new ArgumentException($"recording {recording.Id} has a negative terminal size {recording.Columns}x{recording.Rows}", nameof(recording));
        }
    }

    public static void EnsureChunk(string recordingId, int sequence)
    {
        ArgumentException.ThrowIfNullOrEmpty(recordingId);
        ArgumentOutOfRangeException.ThrowIfNegative(sequence);
    }

    public static void EnsureSeal(string recordingId, long bytes, string sha256, string status)
    {
        ArgumentException.ThrowIfNullOrEmpty(recordingId);
        ArgumentOutOfRangeException.ThrowIfNegative(bytes);
        if (sha256 is not { Length: 64 } || sha256.AsSpan().ContainsAnyExcept(LowerHex))
        {
            throw new ArgumentException($"the SHA-256 of recording {recordingId} must be 64 lowercase hex digits (Convert.ToHexStringLower)", nameof(sha256));
        }
        if (status is not (RecordingStatus.Complete or RecordingStatus.Truncated))
        {
            throw new ArgumentException(
                $"recording {recordingId} can be sealed as \"{RecordingStatus.Complete}\" or \"{RecordingStatus.Truncated}\", not \"{status}\"", nameof(status));
        }
    }

    public static void EnsureHostKey(string subject, PinnedHostKey hostKey)
    {
        ArgumentException.ThrowIfNullOrEmpty(subject);
        ArgumentNullException.ThrowIfNull(hostKey);
        ArgumentException.ThrowIfNullOrEmpty(hostKey.KeyType, nameof(hostKey));
        ArgumentException.ThrowIfNullOrEmpty(hostKey.Fingerprint, nameof(hostKey));
    }

    /// <summary>The refusal of a chunk or seal for a recording that is unknown or no longer being written.</summary>
    public static EntityNotFoundException NotBeingWritten(string recordingId) =>
        new($"no recording {recordingId} is being written (unknown, sealed, or marked lost after its node restarted); start a new recording");

    /// <summary>The refusal of a chunk that is not the next one: written already, or one would be missing before it.</summary>
    public static StoreConflictException OutOfSequence(string recordingId, int sequence, long next) =>
        new(sequence < next
            ? $"chunk {sequence} of recording {recordingId} is written already; the next one is {next}"
            : $"chunk {sequence} of recording {recordingId} would leave a gap; the next one is {next}, append the chunks in order");
}
