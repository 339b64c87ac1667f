using System.Data.Common;
using System.Runtime.InteropServices;
using System.Text.Json;
using Bastion.Core.Audit;

namespace Bastion.Core.Store.Sql;

/// <summary>
/// Everything that differs between the databases <see cref="SqlStore"/> runs on, and nothing else: how a time, a
/// JSON map and a uuid are bound and read, the few SQL fragments that are spelled differently, how writers take turns
/// (SQLite: one BEGIN IMMEDIATE write lock for the whole file; PostgreSQL: row and advisory locks), the column types
/// of the schema, and how the driver reports a constraint violation. Every query is written once, in the store.
/// </summary>
internal abstract class SqlDialect
{
    /// <summary>"sqlite" or "postgres": which per-database part of a <see cref="SchemaStep"/> applies.</summary>
    public abstract string Name { get; }

    /// <summary>The column value for a time: fixed-width UTC text on SQLite, a UTC timestamptz on PostgreSQL.</summary>
    public abstract object Time(DateTimeOffset value);

    public abstract DateTimeOffset ReadTime(DbDataReader reader, int ordinal);

    /// <summary>A time kept as fixed-width UTC text (every time on SQLite; audit_events.ts, which the hash covers, on both).</summary>
    public static DateTimeOffset ReadTextTime(DbDataReader reader, int ordinal)
    {
        var text = reader.GetString(ordinal);
        try
        {
            return AuditTimestamp.Parse(text);
        }
        catch (FormatException ex)
        {
            // Only a hand-edited row gets here; say which column so it can be fixed.
            throw new FormatException(
                $"column {reader.GetName(ordinal)} holds \"{text}\", not a UTC time like 2030-01-01T00:00:00.0000000Z; the row was edited outside Bastion", ex);
        }
    }

    public DateTimeOffset? ReadNullableTime(DbDataReader reader, int ordinal) => reader.IsDBNull(ordinal) ? null : ReadTime(reader, ordinal);

    /// <summary>The column value for a uuid: its text on SQLite, a uuid on PostgreSQL.</summary>
    public abstract object Uuid(Guid value);

    /// <summary>A parameter bound into a JSON map column (jsonb on PostgreSQL, where text does not convert implicitly).</summary>
    public virtual string JsonParameter(string parameter) => parameter;

    /// <summary>A JSON map column selected as its text.</summary>
    public virtual string JsonText(string column) => column;

    /// <summary>A condition: the JSON text column's field "target" equals @target, ignoring case.</summary>
    public abstract string JsonTargetEquals(string column);

    /// <summary>Appended to a SELECT that reads a row about to be changed: a row lock where the database has them.</summary>
    public virtual string ForUpdate => "";

    /// <summary>A transaction for a read-modify-write: on SQLite it holds the file's write lock from the start.</summary>
    public abstract ValueTask<DbTransaction> BeginWriteAsync(DbConnection connection, CancellationToken ct);

    /// <summary>A transaction whose statements all read one snapshot.</summary>
    public abstract ValueTask<DbTransaction> BeginSnapshotAsync(DbConnection connection, CancellationToken ct);

    /// <summary>
    /// Makes the rest of <paramref name="tx"/> take turns with every other transaction serializing on the same key,
    /// on any node. SQLite needs nothing: a write transaction already excludes every other writer.
    /// </summary>
    public virtual Task SerializeAsync(DbConnection connection, DbTransaction tx, long key, CancellationToken ct) => Task.CompletedTask;

    /// <inheritdoc cref="SerializeAsync(DbConnection, DbTransaction, long, CancellationToken)"/>
    public virtual Task SerializeAsync(DbConnection connection, DbTransaction tx, string key, CancellationToken ct) => Task.CompletedTask;

    public abstract bool IsUniqueViolation(Exception exception);

    public abstract bool IsForeignKeyViolation(Exception exception);

    public abstract Task<bool> TableExistsAsync(DbConnection connection, string table, CancellationToken ct);

    public abstract Task<bool> ColumnExistsAsync(DbConnection connection, DbTransaction tx, string table, string column, CancellationToken ct);

    /// <summary>What a schema type token ($Time, $Id, …) of a <see cref="SchemaStep"/> means on this database.</summary>
    public abstract IReadOnlyDictionary<string, string> SchemaTypes { get; }

    /// <summary>A BLOB/bytea parameter takes a whole byte[]; copy only when the memory is a slice of a larger array.</summary>
    public static byte[] Blob(ReadOnlyMemory<byte> data) =>
        MemoryMarshal.TryGetArray(data, out var segment) && segment.Offset == 0 && segment.Count == segment.Array!.Length
            ? segment.Array
            : data.ToArray();

    /// <summary>Dictionaries are stored as JSON objects with sorted keys, so equal maps give equal text on both databases.</summary>
    public static string Json(IReadOnlyDictionary<string, string> map) =>
        JsonSerializer.Serialize(new SortedDictionary<string, string>(map.ToDictionary(), StringComparer.Ordinal));

    public static IReadOnlyDictionary<string, string> ReadJsonMap(DbDataReader reader, int ordinal) =>
        JsonSerializer.Deserialize<Dictionary<string, string>>(reader.GetString(ordinal)) ?? [];
}
