using System.Data.Common;
using Bastion.Core.Audit;
using Dapper;

namespace Bastion.Core.Store.Sql;

public abstract partial class SqlStore
{
    private const string AuditColumns = "seq, ts, type, severity, session_id, user_name, source_address, data, prev_hash, hash";

    /// <summary>Events per INSERT: ten parameters each, well inside SQLite's and PostgreSQL's limits on parameters.</summary>
    private const int AuditRowsPerInsert = 100;

    /// <summary>
    /// Advisory lock key for audit appends ("bastaudt"). Every node takes it, transaction-scoped, before reading the
    /// chain head, so appends from all connections and processes take turns and each chains to the true head
    /// (a row lock on audit_chain_head would not do for the very first append, when no row exists yet). On SQLite the
    /// write transaction alone does this.
    /// </summary>
    private const long AuditAppendLock = 0x6261737461756474;

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
        return await WriteAsync<IReadOnlyList<AuditRecord>>(async (connection, tx) =>
        {
            await D.SerializeAsync(connection, tx, AuditAppendLock, ct).ConfigureAwait(false);
            var head = await ReadChainHeadAsync(connection, tx, ct).ConfigureAwait(false);
            var seq = head?.LastSeq ?? 0;
            var prevHash = head?.LastHash ?? AuditHash.Genesis.ToArray();
            var records = new List<AuditRecord>(prepared.Count);
            foreach (var e in prepared)
            {
                seq++;
                var timestamp = e.Timestamp ?? Now;
                var hash = AuditHash.Compute(seq, timestamp, e.Type, e.Severity, e.SessionId, e.User, e.SourceAddress, e.Data, prevHash);
                records.Add(new AuditRecord(seq, AuditTimestamp.Parse(AuditTimestamp.ToText(timestamp)), e.Type, e.Severity, e.SessionId, e.User, e.SourceAddress, e.Data,
                    prevHash, hash));
                prevHash = hash;
            }
            foreach (var chunk in records.Chunk(AuditRowsPerInsert))
            {
                await InsertAuditRowsAsync(connection, tx, chunk, ct).ConfigureAwait(false);
            }
            await connection.RunAsync(
                "INSERT INTO audit_chain_head (id, last_seq, last_hash) VALUES (1, @seq, @prevHash) " +
                "ON CONFLICT (id) DO UPDATE SET last_seq = excluded.last_seq, last_hash = excluded.last_hash;", new { seq, prevHash }, tx, ct).ConfigureAwait(false);
            return records;
        }, ct).ConfigureAwait(false);
    }

    public Task<IReadOnlyList<AuditRecord>> ReadAuditEventsAsync(long afterSeq, int limit, CancellationToken ct = default)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(limit, 1);
        return WithConnectionAsync(connection => connection.ListAsync($"SELECT {AuditColumns} FROM audit_events WHERE seq > @afterSeq ORDER BY seq LIMIT @limit;",
            new { afterSeq, limit }, null, MapAuditRecord, ct), ct);
    }

    public Task<AuditChainHead?> GetAuditChainHeadAsync(CancellationToken ct = default) => WithConnectionAsync(connection => ReadChainHeadAsync(connection, null, ct), ct);

    public async Task<AuditPage> QueryAuditEventsAsync(AuditQuery query, CancellationToken ct = default)
    {
        var sql = AuditQuerySql.For(query, AuditColumns, D.JsonTargetEquals("data"));
        return sql.ToPage(await WithConnectionAsync(connection => connection.ListAsync(sql.Text, sql.Parameters, null, MapAuditRecord, ct), ct).ConfigureAwait(false));
    }

    private static async Task InsertAuditRowsAsync(DbConnection connection, DbTransaction tx, IReadOnlyList<AuditRecord> records, CancellationToken ct)
    {
        var args = new DynamicParameters();
        var rows = records.Select((r, i) =>
        {
            object?[] values = [r.Seq, AuditTimestamp.ToText(r.Timestamp), r.Type, r.Severity.ToText(), r.SessionId, r.User, r.SourceAddress, SqlDialect.Json(r.Data), r.PrevHash, r.Hash];
            return "(" + string.Join(", ", values.Select((value, column) =>
            {
                args.Add($"a{i}_{column}", value);
                return $"@a{i}_{column}";
            })) + ")";
        });
        await connection.RunAsync($"INSERT INTO audit_events ({AuditColumns}) VALUES {string.Join(", ", rows)};", args, tx, ct).ConfigureAwait(false);
    }

    private static Task<AuditChainHead?> ReadChainHeadAsync(DbConnection connection, DbTransaction? tx, CancellationToken ct) =>
        connection.FirstAsync("SELECT last_seq, last_hash FROM audit_chain_head WHERE id = 1;", null, tx, r => new AuditChainHead(r.GetInt64(0), r.GetFieldValue<byte[]>(1)), ct);

    /// <summary>ts is the fixed-width text the hash covers on both databases.</summary>
    private static AuditRecord MapAuditRecord(DbDataReader r) => new(
        Seq: r.GetInt64(0),
        Timestamp: SqlDialect.ReadTextTime(r, 1),
        Type: r.GetString(2),
        Severity: AuditSeverityText.Parse(r.GetString(3)),
        SessionId: r.IsDBNull(4) ? null : r.GetString(4),
        User: r.IsDBNull(5) ? null : r.GetString(5),
        SourceAddress: r.IsDBNull(6) ? null : r.GetString(6),
        Data: SqlDialect.ReadJsonMap(r, 7),
        PrevHash: r.GetFieldValue<byte[]>(8),
        Hash: r.GetFieldValue<byte[]>(9));
}
