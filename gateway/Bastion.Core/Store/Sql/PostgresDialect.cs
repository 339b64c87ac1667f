using System.Data;
using System.Data.Common;
using Dapper;
using Npgsql;

namespace Bastion.Core.Store.Sql;

/// <summary>
/// PostgreSQL: native types (timestamptz, boolean, bytea, jsonb for tag maps, uuid, identity keys), text that is
/// sorted or range-compared COLLATE "C" (byte order, as on SQLite, whatever the database's locale), and no lock in
/// this process: row locks (SELECT … FOR UPDATE) and transaction-scoped advisory locks make several nodes take turns.
/// </summary>
internal sealed class PostgresDialect : SqlDialect
{
    public static PostgresDialect Instance { get; } = new();

    private PostgresDialect()
    {
    }

    public override string Name => "postgres";

    /// <summary>timestamptz takes only UTC DateTimeOffsets (Npgsql refuses other offsets); it keeps microseconds.</summary>
    public override object Time(DateTimeOffset value) => value.ToUniversalTime();

    public override DateTimeOffset ReadTime(DbDataReader reader, int ordinal) => reader.GetFieldValue<DateTimeOffset>(ordinal);

    public override object Uuid(Guid value) => value;

    public override string JsonParameter(string parameter) => $"CAST({parameter} AS jsonb)";

    public override string JsonText(string column) => $"{column}::text";

    /// <summary>Case-insensitive like SQLite's COLLATE NOCASE; an exact comparison, so "%" and "_" are plain characters.</summary>
    public override string JsonTargetEquals(string column) => $"lower({column}::jsonb ->> 'target') = lower(@target)";

    public override string ForUpdate => " FOR UPDATE";

    public override async ValueTask<DbTransaction> BeginWriteAsync(DbConnection connection, CancellationToken ct) =>
        await connection.BeginTransactionAsync(ct).ConfigureAwait(false);

    public override async ValueTask<DbTransaction> BeginSnapshotAsync(DbConnection connection, CancellationToken ct) =>
        await connection.BeginTransactionAsync(IsolationLevel.RepeatableRead, ct).ConfigureAwait(false);

    public override Task SerializeAsync(DbConnection connection, DbTransaction tx, long key, CancellationToken ct) =>
        connection.ExecuteAsync(new CommandDefinition("SELECT pg_advisory_xact_lock(@key);", new { key }, tx, cancellationToken: ct));

    public override Task SerializeAsync(DbConnection connection, DbTransaction tx, string key, CancellationToken ct) =>
        connection.ExecuteAsync(new CommandDefinition("SELECT pg_advisory_xact_lock(hashtextextended(@key, 0));", new { key }, tx, cancellationToken: ct));

    /// <summary>23505: a UNIQUE or PRIMARY KEY constraint refused the row.</summary>
    public override bool IsUniqueViolation(Exception exception) => exception is PostgresException { SqlState: PostgresErrorCodes.UniqueViolation };

    /// <summary>23503: the referenced row (a user) does not exist (any more).</summary>
    public override bool IsForeignKeyViolation(Exception exception) => exception is PostgresException { SqlState: PostgresErrorCodes.ForeignKeyViolation };

    public override async Task<bool> TableExistsAsync(DbConnection connection, string table, CancellationToken ct) =>
        await connection.ScalarAsync<bool>("SELECT to_regclass(@table) IS NOT NULL;", new { table }, null, ct).ConfigureAwait(false);

    public override async Task<bool> ColumnExistsAsync(DbConnection connection, DbTransaction tx, string table, string column, CancellationToken ct) =>
        await connection.ScalarAsync<long>(
            "SELECT COUNT(*) FROM information_schema.columns WHERE table_schema = current_schema() AND table_name = @table AND column_name = @column;",
            new { table, column }, tx, ct).ConfigureAwait(false) > 0;

    public override IReadOnlyDictionary<string, string> SchemaTypes => SchemaTypeTable.Postgres;
}
