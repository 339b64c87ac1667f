using System.Data.Common;
using System.Runtime.CompilerServices;
using Dapper;

namespace Bastion.Core.Store.Sql;

public abstract partial class SqlStore
{
    public Task CreateRecordingAsync(RecordingInfo recording, CancellationToken ct = default)
    {
        RecordingRules.EnsureNew(recording);
        var args = new DynamicParameters();
        foreach (var (name, value) in RecordingRows.InsertValues(recording, D.Time))
        {
            args.Add(name, value);
        }
        return RefusingAsync(() => RunAsync($"INSERT INTO recordings ({RecordingRows.InsertColumns}) VALUES ({RecordingRows.InsertParameters});", args, ct),
            () => new StoreConflictException($"recording {recording.Id} exists already; give each recording a new id"));
    }

    public Task AppendRecordingChunkAsync(string recordingId, int sequence, ReadOnlyMemory<byte> data, CancellationToken ct = default)
    {
        RecordingRules.EnsureChunk(recordingId, sequence);
        return WriteAsync(async (connection, tx) =>
        {
            // The UPDATE comes first: on PostgreSQL it takes the recording's row lock, so appends to one recording take
            // turns, and a seal or mark-lost from another node either waits for this chunk or leaves this UPDATE no row
            // still being written (SQLite's write transaction excludes them anyway).
            if (await connection.RunAsync("UPDATE recordings SET bytes = bytes + @length WHERE id = @recordingId AND status = 'recording';",
                    new { length = (long)data.Length, recordingId }, tx, ct).ConfigureAwait(false) == 0)
            {
                throw RecordingRules.NotBeingWritten(recordingId);
            }
            // A statement of its own, after the lock: under READ COMMITTED it sees the chunk of the append we waited for.
            var next = await connection.ScalarAsync<long>("SELECT COALESCE(MAX(seq) + 1, 0) FROM recording_chunks WHERE recording_id = @recordingId;",
                new { recordingId }, tx, ct).ConfigureAwait(false);
            if (sequence != next)
            {
                throw RecordingRules.OutOfSequence(recordingId, sequence, next);
            }
            return await connection.RunAsync("INSERT INTO recording_chunks (recording_id, seq, data) VALUES (@recordingId, @sequence, @data);",
                new { recordingId, sequence, data = SqlDialect.Blob(data) }, tx, ct).ConfigureAwait(false);
        }, ct);
    }

    public async Task SealRecordingAsync(string recordingId, DateTimeOffset endedAt, long bytes, string sha256, string status, CancellationToken ct = default)
    {
        RecordingRules.EnsureSeal(recordingId, bytes, sha256, status);
        // One conditional UPDATE: of a seal and a mark-lost racing in two processes or nodes exactly one ends the recording.
        if (await RunAsync("UPDATE recordings SET ended_at = @ended, bytes = @bytes, sha256 = @sha256, status = @status WHERE id = @recordingId AND status = 'recording';",
                new { ended = D.Time(endedAt), bytes, sha256, status, recordingId }, ct).ConfigureAwait(false) == 0)
        {
            throw RecordingRules.NotBeingWritten(recordingId);
        }
    }

    public Task<IReadOnlyList<string>> MarkUnsealedRecordingsLostAsync(string nodeId, DateTimeOffset at, CancellationToken ct = default)
    {
        ArgumentException.ThrowIfNullOrEmpty(nodeId);
        // bytes already counts every appended chunk, so it stays as it is.
        return WithConnectionAsync(connection => connection.ValuesAsync<string>(
            "UPDATE recordings SET status = 'lost', ended_at = @at WHERE node_id = @nodeId AND status = 'recording' RETURNING id;", new { at = D.Time(at), nodeId }, null, ct), ct);
    }

    public Task<RecordingInfo?> GetRecordingAsync(string recordingId, CancellationToken ct = default) =>
        WithConnectionAsync(connection => connection.FirstAsync($"SELECT {RecordingRows.Columns} FROM recordings WHERE id = @recordingId;", new { recordingId }, null,
            r => RecordingRows.Map(r, D.ReadTime), ct), ct);

    public Task<IReadOnlyList<RecordingInfo>> ListRecordingsAsync(RecordingQuery query, CancellationToken ct = default)
    {
        var sql = RecordingQuerySql.For(query, D.Time);
        return WithConnectionAsync(connection => connection.ListAsync(sql.Text, sql.Parameters, null, r => RecordingRows.Map(r, D.ReadTime), ct), ct);
    }

    public IAsyncEnumerable<ReadOnlyMemory<byte>> ReadRecordingAsync(string recordingId, CancellationToken ct = default) => ReadRecordingFromAsync(recordingId, 0, ct);

    public async IAsyncEnumerable<ReadOnlyMemory<byte>> ReadRecordingFromAsync(string recordingId, int fromSequence, [EnumeratorCancellation] CancellationToken ct = default)
    {
        await using var connection = await OpenSharedConnectionAsync(ct).ConfigureAwait(false);
        // The reader steps through the rows as they are consumed, so one chunk at a time is in memory (SQLite's WAL lets
        // writers go on meanwhile; Npgsql buffers one row off the socket), never the whole result.
        await using var reader = await connection.ExecuteReaderAsync(new CommandDefinition(
            "SELECT data FROM recording_chunks WHERE recording_id = @recordingId AND seq >= @fromSequence ORDER BY seq;", new { recordingId, fromSequence },
            cancellationToken: ct)).ConfigureAwait(false);
        while (await reader.ReadAsync(ct).ConfigureAwait(false))
        {
            yield return reader.GetFieldValue<byte[]>(0);
        }
    }

    public Task<PinnedHostKey> PinTargetHostKeyAsync(string subject, PinnedHostKey hostKey, CancellationToken ct = default)
    {
        RecordingRules.EnsureHostKey(subject, hostKey);
        return WriteAsync(async (connection, tx) =>
        {
            while (true)
            {
                // On PostgreSQL a racing insert from another node makes ours wait for its commit and then do nothing; the
                // SELECT, a statement of its own under READ COMMITTED, then sees the winner's row.
                await connection.RunAsync(
                    "INSERT INTO target_host_keys (subject_key, subject, key_type, fingerprint, first_seen_at) VALUES (@key, @subject, @KeyType, @Fingerprint, @at) " +
                    "ON CONFLICT (subject_key) DO NOTHING;",
                    new { key = RecordingRows.SubjectKey(subject), subject, hostKey.KeyType, hostKey.Fingerprint, at = D.Time(hostKey.FirstSeenAt) }, tx, ct).ConfigureAwait(false);
                // Null only if an admin removed the winner's key between the two statements: then pin again.
                if (await ReadHostKeyAsync(connection, tx, subject, ct).ConfigureAwait(false) is { } stored)
                {
                    return stored;
                }
            }
        }, ct);
    }

    public Task<PinnedHostKey?> GetTargetHostKeyAsync(string subject, CancellationToken ct = default) =>
        WithConnectionAsync(connection => ReadHostKeyAsync(connection, null, subject, ct), ct);

    public async Task<bool> DeleteRecordingAsync(string recordingId, CancellationToken ct = default)
    {
        ArgumentException.ThrowIfNullOrEmpty(recordingId);
        // Chunks go with the row (ON DELETE CASCADE); a recording still being written is left alone.
        return await RunAsync("DELETE FROM recordings WHERE id = @recordingId AND status <> @recording;", new { recordingId, recording = RecordingStatus.Recording }, ct)
            .ConfigureAwait(false) > 0;
    }

    public async Task<bool> RemoveTargetHostKeyAsync(string subject, CancellationToken ct = default) =>
        await RunAsync("DELETE FROM target_host_keys WHERE subject_key = @key;", new { key = RecordingRows.SubjectKey(subject) }, ct).ConfigureAwait(false) > 0;

    private Task<PinnedHostKey?> ReadHostKeyAsync(DbConnection connection, DbTransaction? tx, string subject, CancellationToken ct) =>
        connection.FirstAsync($"SELECT {RecordingRows.HostKeyColumns} FROM target_host_keys WHERE subject_key = @key;", new { key = RecordingRows.SubjectKey(subject) }, tx,
            r => RecordingRows.MapHostKey(r, D.ReadTime), ct);
}
