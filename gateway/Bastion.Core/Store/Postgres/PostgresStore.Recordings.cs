namespace Bastion.Core.Store.Postgres;

// Placeholder until the recording tables land (migration 7).
public sealed partial class PostgresStore
{
    public Task CreateRecordingAsync(RecordingInfo recording, CancellationToken ct = default) => throw new NotImplementedException();
    public Task AppendRecordingChunkAsync(string recordingId, int sequence, ReadOnlyMemory<byte> data, CancellationToken ct = default) => throw new NotImplementedException();
    public Task SealRecordingAsync(string recordingId, DateTimeOffset endedAt, long bytes, string sha256, string status, CancellationToken ct = default) => throw new NotImplementedException();
    public Task<int> MarkUnsealedRecordingsLostAsync(string nodeId, DateTimeOffset at, CancellationToken ct = default) => throw new NotImplementedException();
    public Task<RecordingInfo?> GetRecordingAsync(string recordingId, CancellationToken ct = default) => throw new NotImplementedException();
    public Task<IReadOnlyList<RecordingInfo>> ListRecordingsAsync(RecordingQuery query, CancellationToken ct = default) => throw new NotImplementedException();
    public IAsyncEnumerable<ReadOnlyMemory<byte>> ReadRecordingAsync(string recordingId, CancellationToken ct = default) => throw new NotImplementedException();
    public Task<PinnedHostKey> PinTargetHostKeyAsync(string subject, PinnedHostKey hostKey, CancellationToken ct = default) => throw new NotImplementedException();
    public Task<PinnedHostKey?> GetTargetHostKeyAsync(string subject, CancellationToken ct = default) => throw new NotImplementedException();
    public Task<bool> RemoveTargetHostKeyAsync(string subject, CancellationToken ct = default) => throw new NotImplementedException();
}
