using System.Runtime.CompilerServices;
using Microsoft.Data.Sqlite;

namespace Bastion.Core.Store.Sqlite;

public sealed partial class SqliteStore
{
    /// <inheritdoc />
    public async Task CreateRecordingAsync(RecordingInfo recording, CancellationToken ct = default)
    {
        RecordingRules.EnsureNew(recording);
        await using var connection = await OpenConnectionAsync(ct).ConfigureAwait(false);
        using var insert = connection.Command($"INSERT INTO recordings ({RecordingRows.InsertColumns}) VALUES ({RecordingRows.InsertParameters});");
        foreach (var (name, value) in RecordingRows.InsertValues(recording, SqliteValues.Time))
        {
            insert.Add(name, value);
        }
        try
        {
            await insert.ExecuteNonQueryAsync(ct).ConfigureAwait(false);
        }
        catch (SqliteException ex) when (ex.IsConstraintViolation())
        {
            throw new StoreConflictException($"recording {recording.Id} exists already; give each recording a new id");
        }
    }

    /// <inheritdoc />
    public async Task AppendRecordingChunkAsync(string recordingId, int sequence, ReadOnlyMemory<byte> data, CancellationToken ct = default)
    {
        RecordingRules.EnsureChunk(recordingId, sequence);
        await using var connection = await OpenConnectionAsync(ct).ConfigureAwait(false);
        // One write transaction: the status check, the size and the chunk change together, so a chunk never lands in
        // a recording another process has sealed or marked lost meanwhile.
        using var tx = BeginWrite(connection);
        using (var grow = connection.Command("UPDATE recordings SET bytes = bytes + @length WHERE id = @id AND status = 'recording';", tx)
                   .Add("@length", data.Length).Add("@id", recordingId))
        {
            if (await grow.ExecuteNonQueryAsync(ct).ConfigureAwait(false) == 0)
            {
                throw RecordingRules.NotBeingWritten(recordingId);
            }
        }
        long next;
        using (var last = connection.Command("SELECT COALESCE(MAX(seq) + 1, 0) FROM recording_chunks WHERE recording_id = @id;", tx).Add("@id", recordingId))
        {
            next = Convert.ToInt64(await last.ExecuteScalarAsync(ct).ConfigureAwait(false));
        }
        if (sequence != next)
        {
            throw RecordingRules.OutOfSequence(recordingId, sequence, next);
        }
        using (var insert = connection.Command("INSERT INTO recording_chunks (recording_id, seq, data) VALUES (@id, @seq, @data);", tx)
                   .Add("@id", recordingId).Add("@seq", sequence).Add("@data", SqliteValues.Blob(data)))
        {
            await insert.ExecuteNonQueryAsync(ct).ConfigureAwait(false);
        }
        tx.Commit();
    }

    /// <inheritdoc />
    public async Task SealRecordingAsync(string recordingId, DateTimeOffset endedAt, long bytes, string sha256, string status, CancellationToken ct = default)
    {
        RecordingRules.EnsureSeal(recordingId, bytes, sha256, status);
        await using var connection = await OpenConnectionAsync(ct).ConfigureAwait(false);
        using var seal = connection.Command(
                "UPDATE recordings SET ended_at = @ended, bytes = @bytes, sha256 = @sha256, status = @status WHERE id = @id AND status = 'recording';")
            .Add("@ended", SqliteValues.Time(endedAt)).Add("@bytes", bytes).Add("@sha256", sha256).Add("@status", status).Add("@id", recordingId);
        if (await seal.ExecuteNonQueryAsync(ct).ConfigureAwait(false) == 0)
        {
            throw RecordingRules.NotBeingWritten(recordingId);
        }
    }

    /// <inheritdoc />
    public async Task<IReadOnlyList<string>> MarkUnsealedRecordingsLostAsync(string nodeId, DateTimeOffset at, CancellationToken ct = default)
    {
        ArgumentException.ThrowIfNullOrEmpty(nodeId);
        await using var connection = await OpenConnectionAsync(ct).ConfigureAwait(false);
        // bytes already counts every appended chunk, so it stays as it is.
        using var mark = connection.Command("UPDATE recordings SET status = 'lost', ended_at = @at WHERE node_id = @node AND status = 'recording' RETURNING id;")
            .Add("@at", SqliteValues.Time(at)).Add("@node", nodeId);
        using var reader = await mark.ExecuteReaderAsync(ct).ConfigureAwait(false);
        var ids = new List<string>();
        while (await reader.ReadAsync(ct).ConfigureAwait(false))
        {
            ids.Add(reader.GetString(0));
        }
        return ids;
    }

    /// <inheritdoc />
    public async Task<RecordingInfo?> GetRecordingAsync(string recordingId, CancellationToken ct = default)
    {
        await using var connection = await OpenConnectionAsync(ct).ConfigureAwait(false);
        using var query = connection.Command($"SELECT {RecordingRows.Columns} FROM recordings WHERE id = @id;").Add("@id", recordingId);
        using var reader = await query.ExecuteReaderAsync(ct).ConfigureAwait(false);
        return await reader.ReadAsync(ct).ConfigureAwait(false) ? RecordingRows.Map(reader, SqliteValues.ReadTime) : null;
    }

    /// <inheritdoc />
    public async Task<IReadOnlyList<RecordingInfo>> ListRecordingsAsync(RecordingQuery query, CancellationToken ct = default)
    {
        var sql = RecordingQuerySql.For(query, SqliteValues.Time);
        await using var connection = await OpenConnectionAsync(ct).ConfigureAwait(false);
        using var command = connection.Command(sql.Text);
        foreach (var (name, value) in sql.Parameters)
        {
            command.Add(name, value);
        }
        using var reader = await command.ExecuteReaderAsync(ct).ConfigureAwait(false);
        var recordings = new List<RecordingInfo>();
        while (await reader.ReadAsync(ct).ConfigureAwait(false))
        {
            recordings.Add(RecordingRows.Map(reader, SqliteValues.ReadTime));
        }
        return recordings;
    }

    /// <inheritdoc />
    public IAsyncEnumerable<ReadOnlyMemory<byte>> ReadRecordingAsync(string recordingId, CancellationToken ct = default) =>
        ReadRecordingFromAsync(recordingId, 0, ct);

    /// <inheritdoc />
    public async IAsyncEnumerable<ReadOnlyMemory<byte>> ReadRecordingFromAsync(string recordingId, int fromSequence, [EnumeratorCancellation] CancellationToken ct = default)
    {
        await using var connection = await OpenConnectionAsync(ct).ConfigureAwait(false);
        // The reader steps through the rows as they are consumed, so one chunk at a time is in memory (WAL lets writers
        // go on meanwhile; this reader sees the chunks that existed when it started).
        using var query = connection.Command("SELECT data FROM recording_chunks WHERE recording_id = @id AND seq >= @from ORDER BY seq;")
            .Add("@id", recordingId).Add("@from", fromSequence);
        using var reader = await query.ExecuteReaderAsync(ct).ConfigureAwait(false);
        while (await reader.ReadAsync(ct).ConfigureAwait(false))
        {
            yield return reader.ReadBytes(0);
        }
    }

    /// <inheritdoc />
    public async Task<PinnedHostKey> PinTargetHostKeyAsync(string subject, PinnedHostKey hostKey, CancellationToken ct = default)
    {
        RecordingRules.EnsureHostKey(subject, hostKey);
        await using var connection = await OpenConnectionAsync(ct).ConfigureAwait(false);
        using var tx = BeginWrite(connection);
        using (var insert = connection.Command(
                   "INSERT INTO target_host_keys (subject_key, subject, key_type, fingerprint, first_seen_at) VALUES (@key, @subject, @type, @fingerprint, @at) " +
                   "ON CONFLICT (subject_key) DO NOTHING;", tx)
                   .Add("@key", RecordingRows.SubjectKey(subject)).Add("@subject", subject).Add("@type", hostKey.KeyType)
                   .Add("@fingerprint", hostKey.Fingerprint).Add("@at", SqliteValues.Time(hostKey.FirstSeenAt)))
        {
            await insert.ExecuteNonQueryAsync(ct).ConfigureAwait(false);
        }
        var stored = await ReadHostKeyAsync(connection, tx, subject, ct).ConfigureAwait(false);
        tx.Commit();
        return stored!;
    }

    /// <inheritdoc />
    public async Task<PinnedHostKey?> GetTargetHostKeyAsync(string subject, CancellationToken ct = default)
    {
        await using var connection = await OpenConnectionAsync(ct).ConfigureAwait(false);
        return await ReadHostKeyAsync(connection, null, subject, ct).ConfigureAwait(false);
    }

    /// <inheritdoc />
    public async Task<bool> DeleteRecordingAsync(string recordingId, CancellationToken ct = default)
    {
        ArgumentException.ThrowIfNullOrEmpty(recordingId);
        await using var connection = await OpenConnectionAsync(ct).ConfigureAwait(false);
        // Chunks go with the row (ON DELETE CASCADE); a recording still being written is left alone.
        using var delete = connection.Command("DELETE FROM recordings WHERE id = @id AND status <> @recording;")
            .Add("@id", recordingId).Add("@recording", RecordingStatus.Recording);
        return await delete.ExecuteNonQueryAsync(ct).ConfigureAwait(false) > 0;
    }

    /// <inheritdoc />
    public async Task<bool> RemoveTargetHostKeyAsync(string subject, CancellationToken ct = default)
    {
        await using var connection = await OpenConnectionAsync(ct).ConfigureAwait(false);
        using var delete = connection.Command("DELETE FROM target_host_keys WHERE subject_key = @key;").Add("@key", RecordingRows.SubjectKey(subject));
        return await delete.ExecuteNonQueryAsync(ct).ConfigureAwait(false) > 0;
    }

    private static async Task<PinnedHostKey?> ReadHostKeyAsync(SqliteConnection connection, SqliteTransaction? tx, string subject, CancellationToken ct)
    {
        using var query = connection.Command($"SELECT {RecordingRows.HostKeyColumns} FROM target_host_keys WHERE subject_key = @key;", tx)
            .Add("@key", RecordingRows.SubjectKey(subject));
        using var reader = await query.ExecuteReaderAsync(ct).ConfigureAwait(false);
        return await reader.ReadAsync(ct).ConfigureAwait(false) ? RecordingRows.MapHostKey(reader, SqliteValues.ReadTime) : null;
    }
}
