using Bastion.Core.Audit;
using Microsoft.Data.Sqlite;

namespace Bastion.Core.Store.Sqlite;

public sealed partial class SqliteStore
{
    private const string AuditColumns = "seq, ts, type, severity, session_id, user_name, source_address, data, prev_hash, hash";

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
        // BEGIN IMMEDIATE makes appends from every connection and process take turns, so each reads the true head.
        using var tx = BeginWrite(connection);
        var head = await ReadChainHeadAsync(connection, tx, ct).ConfigureAwait(false);
        var seq = head?.LastSeq ?? 0;
        var prevHash = head?.LastHash ?? AuditHash.Genesis.ToArray();
        var records = new List<AuditRecord>(prepared.Count);
        foreach (var e in prepared)
        {
            seq++;
            var timestamp = e.Timestamp ?? Now;
            var hash = AuditHash.Compute(seq, timestamp, e.Type, e.Severity, e.SessionId, e.User, e.SourceAddress, e.Data, prevHash);
            var record = new AuditRecord(seq, AuditTimestamp.Parse(AuditTimestamp.ToText(timestamp)), e.Type, e.Severity,
                e.SessionId, e.User, e.SourceAddress, e.Data, prevHash, hash);
            using (var insert = connection.Command(
                       $"INSERT INTO audit_events ({AuditColumns}) VALUES (@seq, @ts, @type, @severity, @session, @user, @source, @data, @prev, @hash);", tx))
            {
                insert.Add("@seq", seq).Add("@ts", AuditTimestamp.ToText(timestamp)).Add("@type", e.Type)
                    .Add("@severity", e.Severity.ToText()).Add("@session", e.SessionId).Add("@user", e.User)
                    .Add("@source", e.SourceAddress).Add("@data", SqliteValues.Json(e.Data)).Add("@prev", prevHash).Add("@hash", hash);
                await insert.ExecuteNonQueryAsync(ct).ConfigureAwait(false);
            }
            records.Add(record);
            prevHash = hash;
        }
        using (var updateHead = connection.Command(
                   "INSERT INTO audit_chain_head (id, last_seq, last_hash) VALUES (1, @seq, @hash) " +
                   "ON CONFLICT (id) DO UPDATE SET last_seq = excluded.last_seq, last_hash = excluded.last_hash;", tx))
        {
            updateHead.Add("@seq", seq).Add("@hash", prevHash);
            await updateHead.ExecuteNonQueryAsync(ct).ConfigureAwait(false);
        }
        tx.Commit();
        return records;
    }

    /// <inheritdoc />
    public async Task<IReadOnlyList<AuditRecord>> ReadAuditEventsAsync(long afterSeq, int limit, CancellationToken ct = default)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(limit, 1);
        await using var connection = await OpenConnectionAsync(ct).ConfigureAwait(false);
        using var query = connection.Command($"SELECT {AuditColumns} FROM audit_events WHERE seq > @after ORDER BY seq LIMIT @limit;")
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
        var sql = AuditQuerySql.For(query, AuditColumns, "json_extract(data, '$.target') = @target COLLATE NOCASE");
        await using var connection = await OpenConnectionAsync(ct).ConfigureAwait(false);
        using var command = connection.Command(sql.Text);
        foreach (var (name, value) in sql.Parameters)
        {
            command.Add(name, value);
        }
        return sql.ToPage(await ReadAuditRecordsAsync(command, ct).ConfigureAwait(false));
    }

    private static async Task<AuditChainHead?> ReadChainHeadAsync(SqliteConnection connection, SqliteTransaction? tx, CancellationToken ct)
    {
        using var query = connection.Command("SELECT last_seq, last_hash FROM audit_chain_head WHERE id = 1;", tx);
        using var reader = await query.ExecuteReaderAsync(ct).ConfigureAwait(false);
        return await reader.ReadAsync(ct).ConfigureAwait(false) ? new AuditChainHead(reader.GetInt64(0), reader.ReadBytes(1)) : null;
    }

    private static async Task<IReadOnlyList<AuditRecord>> ReadAuditRecordsAsync(SqliteCommand command, CancellationToken ct)
    {
        using var reader = await command.ExecuteReaderAsync(ct).ConfigureAwait(false);
        var records = new List<AuditRecord>();
        while (await reader.ReadAsync(ct).ConfigureAwait(false))
        {
            records.Add(new AuditRecord(
                Seq: reader.GetInt64(0),
                Timestamp: reader.ReadTime(1),
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
