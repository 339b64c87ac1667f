using System.Text;
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
        ArgumentNullException.ThrowIfNull(query);
        var limit = Math.Clamp(query.Limit, 1, 1000);
        var where = new StringBuilder("1 = 1");
        await using var connection = await OpenConnectionAsync(ct).ConfigureAwait(false);
        using var command = connection.Command("");
        if (query.User is not null)
        {
            where.Append(" AND user_name = @user");
            command.Add("@user", query.User);
        }
        if (query.SessionId is not null)
        {
            where.Append(" AND session_id = @session");
            command.Add("@session", query.SessionId);
        }
        if (query.Target is not null)
        {
            where.Append(" AND json_extract(data, '$.target') = @target COLLATE NOCASE");
            command.Add("@target", query.Target);
        }
        if (query.Type is not null)
        {
            // "auth." means the whole family; substr rather than LIKE, whose case rules differ between databases.
            where.Append(query.Type.EndsWith('.') ? " AND substr(type, 1, @typeLength) = @type" : " AND type = @type");
            command.Add("@type", query.Type).Add("@typeLength", query.Type.Length);
        }
        if (query.From is { } from)
        {
            where.Append(" AND ts >= @from");
            command.Add("@from", AuditTimestamp.ToText(from));
        }
        if (query.To is { } to)
        {
            where.Append(" AND ts < @to");
            command.Add("@to", AuditTimestamp.ToText(to));
        }
        if (query.BeforeSeq is { } before)
        {
            where.Append(" AND seq < @before");
            command.Add("@before", before);
        }
        // One row more than asked tells whether another page exists.
        command.CommandText = $"SELECT {AuditColumns} FROM audit_events WHERE {where} ORDER BY seq DESC LIMIT @limit;";
        command.Add("@limit", limit + 1);
        var records = await ReadAuditRecordsAsync(command, ct).ConfigureAwait(false);
        return records.Count > limit
            ? new AuditPage(records.Take(limit).ToList(), records[limit - 1].Seq)
            : new AuditPage(records, null);
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
