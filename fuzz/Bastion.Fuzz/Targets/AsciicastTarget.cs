using System.Runtime.CompilerServices;
using Bastion.Core.Recordings;
using Bastion.Core.Store;

namespace Bastion.Fuzz.Targets;

/// <summary>
/// The asciicast v2 reader that replays stored recordings (<see cref="AsciicastPlayer"/>), fed in chunks as the store
/// returns them. First byte: chunk size (1..256), so lines split across chunks. Pauses are capped at zero, so nothing
/// waits. Rejection of a document that is not asciicast v2 is <see cref="InvalidDataException"/>.
/// </summary>
internal sealed class AsciicastTarget : IFuzzTarget
{
    public void Run(byte[] input)
    {
        if (input.Length == 0)
        {
            return;
        }
        var store = new ChunkStore(input.AsMemory(1), input[0] + 1);
        try
        {
            new AsciicastPlayer(TimeProvider.System)
                .PlayAsync(store, "r", Stream.Null, speed: 1, maxPause: TimeSpan.Zero, CancellationToken.None)
                .GetAwaiter().GetResult();
        }
        catch (InvalidDataException)
        {
            // Documented: the recording is not asciicast v2.
        }
    }

    /// <summary>Only reading is used; the rest of the store is not part of this target.</summary>
    private sealed class ChunkStore(ReadOnlyMemory<byte> document, int chunkSize) : IRecordingStore
    {
        public async IAsyncEnumerable<ReadOnlyMemory<byte>> ReadRecordingAsync(string recordingId, [EnumeratorCancellation] CancellationToken ct = default)
        {
            await Task.CompletedTask;
            for (var offset = 0; offset < document.Length; offset += chunkSize)
            {
                yield return document.Slice(offset, Math.Min(chunkSize, document.Length - offset));
            }
        }

        public IAsyncEnumerable<ReadOnlyMemory<byte>> ReadRecordingFromAsync(string recordingId, int fromSequence, CancellationToken ct = default) => throw new NotSupportedException();
        public Task CreateRecordingAsync(RecordingInfo recording, CancellationToken ct = default) => throw new NotSupportedException();
        public Task AppendRecordingChunkAsync(string recordingId, int sequence, ReadOnlyMemory<byte> data, CancellationToken ct = default) => throw new NotSupportedException();
        public Task SealRecordingAsync(string recordingId, DateTimeOffset endedAt, long bytes, string sha256, string status, CancellationToken ct = default) => throw new NotSupportedException();
        public Task<IReadOnlyList<string>> MarkUnsealedRecordingsLostAsync(string nodeId, DateTimeOffset at, CancellationToken ct = default) => throw new NotSupportedException();
        public Task<RecordingInfo?> GetRecordingAsync(string recordingId, CancellationToken ct = default) => throw new NotSupportedException();
        public Task<IReadOnlyList<RecordingInfo>> ListRecordingsAsync(RecordingQuery query, CancellationToken ct = default) => throw new NotSupportedException();
        public Task<bool> DeleteRecordingAsync(string recordingId, CancellationToken ct = default) => throw new NotSupportedException();
        public Task<PinnedHostKey> PinTargetHostKeyAsync(string subject, PinnedHostKey hostKey, CancellationToken ct = default) => throw new NotSupportedException();
        public Task<PinnedHostKey?> GetTargetHostKeyAsync(string subject, CancellationToken ct = default) => throw new NotSupportedException();
        public Task<bool> RemoveTargetHostKeyAsync(string subject, CancellationToken ct = default) => throw new NotSupportedException();
    }
}
