using System.Data.Common;
using Bastion.Core.Audit;
using Microsoft.Data.Sqlite;

namespace Bastion.Core.Store.Sql;

/// <summary>
/// SQLite: times as fixed-width UTC ISO-8601 text (which compares like the times it encodes), booleans 0/1, uuids as
/// text, and one writer at a time for the whole file (BEGIN IMMEDIATE takes the write lock up front, which avoids
/// SQLITE_BUSY upgrade deadlocks and makes every read-modify-write atomic across processes).
/// </summary>
internal sealed class SqliteDialect : SqlDialect
{
    public static SqliteDialect Instance { get; } = new();

    private SqliteDialect()
    {
    }

    public override string Name => "sqlite";

    public override object Time(DateTimeOffset value) => AuditTimestamp.ToText(value);

    public override DateTimeOffset ReadTime(DbDataReader reader, int ordinal) => ReadTextTime(reader, ordinal);

    public override object Uuid(Guid value) => value.ToString("D");

    public override string JsonTargetEquals(string column) => $"json_extract({column}, '$.target') = @target COLLATE NOCASE";

    public override ValueTask<DbTransaction> BeginWriteAsync(DbConnection connection, CancellationToken ct) =>
        ValueTask.FromResult<DbTransaction>(((SqliteConnection)connection).BeginTransaction(deferred: false));

    public override ValueTask<DbTransaction> BeginSnapshotAsync(DbConnection connection, CancellationToken ct) =>
        ValueTask.FromResult<DbTransaction>(((SqliteConnection)connection).BeginTransaction(deferred: true));

    /// <summary>SQLITE_CONSTRAINT_UNIQUE or SQLITE_CONSTRAINT_PRIMARYKEY: a key already taken.</summary>
    public override bool IsUniqueViolation(Exception exception) => exception is SqliteException { SqliteExtendedErrorCode: 2067 or 1555 };

    /// <summary>SQLITE_CONSTRAINT_FOREIGNKEY: the referenced row (a user) does not exist (any more).</summary>
    public override bool IsForeignKeyViolation(Exception exception) => exception is SqliteException { SqliteExtendedErrorCode: 787 };

    public override async Task<bool> TableExistsAsync(DbConnection connection, string table, CancellationToken ct) =>
        await connection.ScalarAsync<long>("SELECT COUNT(*) FROM sqlite_master WHERE type = 'table' AND name = @table;", new { table }, null, ct).ConfigureAwait(false) > 0;

    public override async Task<bool> ColumnExistsAsync(DbConnection connection, DbTransaction tx, string table, string column, CancellationToken ct) =>
        await connection.ScalarAsync<long>("SELECT COUNT(*) FROM pragma_table_info(@table) WHERE name = @column;", new { table, column }, tx, ct).ConfigureAwait(false) > 0;

    public override IReadOnlyDictionary<string, string> SchemaTypes => SchemaTypeTable.Sqlite;
}
