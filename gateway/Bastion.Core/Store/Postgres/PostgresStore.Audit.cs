using Bastion.Core.Audit;
using Npgsql;

namespace Bastion.Core.Store.Postgres;

public sealed partial class PostgresStore
{
    private const string AuditColumns = "seq, ts, type, severity, session_id, user_name, source_address, data, prev_hash, hash";

    /// <summary>
    /// Advisory lock key for audit appends ("bastaudt"). Every node takes it, transaction-scoped, before reading the
    /// chain head, so appends from all connections and processes take turns and each chains to the true head.
    /// A plain row lock on audit_chain_head would not do for the very first append, when no row exists yet.
    /// </summary>
    private const long AuditAppendLock = 0x6261737461756474;

    /// <inheritdoc />
    public async Task<IReadOnlyList<AuditRecord>> AppendAuditEventsAsync(IReadOnlyList<AuditEvent> events, CancellationToken ct = default)
    {
        ArgumentNullException.ThrowIfNull(events);
        if (events.Count == 0)
        {
            return [];
        }
        var prepared = events.Select(e =>
        {
            e.Validate();
            return e.Normalized();
        }).ToList();

        await using var connection = await OpenConnectionAsync(ct).ConfigureAwait(false);
        await using var tx = await connection.BeginTransactionAsync(ct).ConfigureAwait(false);
        await connection.ExecuteAsync($"SELECT pg_advisory_xact_lock({AuditAppendLock});", tx, ct).ConfigureAwait(false);
        var head = await ReadChainHeadAsync(connection, tx, ct).ConfigureAwait(false);
        var seq = head?.LastSeq ?? 0;
        var prevHash = head?.LastHash ?? AuditHash.Genesis.ToArray();
        var records = new List<AuditRecord>(prepared.Count);
        // One round trip for the whole batch: the inserts and the head update.
        await using var batch = new NpgsqlBatch(connection, tx);
        foreach (var e in prepared)
        {
            seq++;
            var timestamp = e.Timestamp ?? Now;
            var text = AuditTimestamp.ToText(timestamp);
            var hash = AuditHash.Compute(seq, timestamp, e.Type, e.Severity, e.SessionId, e.User, e.SourceAddress, e.Data, prevHash);
            records.Add(new AuditRecord(seq, AuditTimestamp.Parse(text), e.Type, e.Severity, e.SessionId, e.User, e.SourceAddress, e.Data, prevHash, hash));
            batch.BatchCommands.Add(Positional(
                $"INSERT INTO audit_events ({AuditColumns}) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10);",
                seq, text, e.Type, e.Severity.ToText(), e.SessionId, e.User, e.SourceAddress, PostgresValues.Json(e.Data), prevHash, hash));
            prevHash = hash;
        }
        batch.BatchCommands.Add(Positional(
            "INSERT INTO audit_chain_head (id, last_seq, last_hash) VALUES (1, $1, $2) " +
            "ON CONFLICT (id) DO UPDATE SET last_seq = excluded.last_seq, last_hash = excluded.last_hash;",
            seq, prevHash));
        await batch.ExecuteNonQueryAsync(ct).ConfigureAwait(false);
        await tx.CommitAsync(ct).ConfigureAwait(false);
        return records;
    }

    /// <inheritdoc />
    public async Task<IReadOnlyList<AuditRecord>> ReadAuditEventsAsync(long afterSeq, int limit, CancellationToken ct = default)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(limit, 1);
        await using var connection = await OpenConnectionAsync(ct).ConfigureAwait(false);
        await using var query = connection.Command($"SELECT {AuditColumns} FROM audit_events WHERE seq > @after ORDER BY seq LIMIT @limit;")
            .Add("@after", afterSeq).Add("@limit", limit);
        return await ReadAuditRecordsAsync(query, ct).ConfigureAwait(false);
    }

    /// <inheritdoc />
    public async Task<AuditChainHead?> GetAuditChainHeadAsync(CancellationToken ct = default)
    {
        await using var connection = await OpenConnectionAsync(ct).ConfigureAwait(false);
        return await ReadChainHeadAsync(connection, null, ct).ConfigureAwait(false);
    }

    /// <inheritdoc />
    public async Task<AuditPage> QueryAuditEventsAsync(AuditQuery query, CancellationToken ct = default)
    {
        // Case-insensitive like SQLite's COLLATE NOCASE; an exact comparison, so "%" and "_" are plain characters.
        var sql = AuditQuerySql.For(query, AuditColumns, "lower(data::jsonb ->> 'target') = lower(@target)");
        await using var connection = await OpenConnectionAsync(ct).ConfigureAwait(false);
        await using var command = connection.Command(sql.Text);
        foreach (var (name, value) in sql.Parameters)
        {
            command.Add(name, value);
        }
        return sql.ToPage(await ReadAuditRecordsAsync(command, ct).ConfigureAwait(false));
    }

    private static NpgsqlBatchCommand Positional(string sql, params object?[] values)
    {
        var command = new NpgsqlBatchCommand(sql);
        foreach (var value in values)
        {
            command.Parameters.Add(new NpgsqlParameter { Value = value ?? DBNull.Value });
        }
        return command;
    }

    private static async Task<AuditChainHead?> ReadChainHeadAsync(NpgsqlConnection connection, NpgsqlTransaction? tx, CancellationToken ct)
    {
        await using var query = connection.Command("SELECT last_seq, last_hash FROM audit_chain_head WHERE id = 1;", tx);
        await using var reader = await query.ExecuteReaderAsync(ct).ConfigureAwait(false);
        return await reader.ReadAsync(ct).ConfigureAwait(false) ? new AuditChainHead(reader.GetInt64(0), reader.ReadBytes(1)) : null;
    }

    private static async Task<IReadOnlyList<AuditRecord>> ReadAuditRecordsAsync(NpgsqlCommand command, CancellationToken ct)
    {
        await using var reader = await command.ExecuteReaderAsync(ct).ConfigureAwait(false);
        var records = new List<AuditRecord>();
        while (await reader.ReadAsync(ct).ConfigureAwait(false))
        {
            records.Add(new AuditRecord(
                Seq: reader.GetInt64(0),
                Timestamp: AuditTimestamp.Parse(reader.GetString(1)),
                Type: reader.GetString(2),
                Severity: AuditSeverityText.Parse(reader.GetString(3)),
                SessionId: reader.ReadNullableString(4),
                User: reader.ReadNullableString(5),
                SourceAddress: reader.ReadNullableString(6),
                Data: reader.ReadJsonMap(7),
                PrevHash: reader.ReadBytes(8),
                Hash: reader.ReadBytes(9)));
        }
        return records;
    }
}
