using System.Runtime.InteropServices;
using System.Text.Json;
using Bastion.Core.Audit;
using Microsoft.Data.Sqlite;

namespace Bastion.Core.Store.Sqlite;

/// <summary>Conversions between domain values and SQLite column values, and small ADO.NET helpers.</summary>
internal static class SqliteValues
{
    public static string Time(DateTimeOffset value) => AuditTimestamp.ToText(value);

    public static DateTimeOffset ReadTime(this SqliteDataReader reader, int ordinal)
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

    public static DateTimeOffset? ReadNullableTime(this SqliteDataReader reader, int ordinal) =>
        reader.IsDBNull(ordinal) ? null : reader.ReadTime(ordinal);

    public static string? ReadNullableString(this SqliteDataReader reader, int ordinal) =>
        reader.IsDBNull(ordinal) ? null : reader.GetString(ordinal);

    public static byte[] ReadBytes(this SqliteDataReader reader, int ordinal) => reader.GetFieldValue<byte[]>(ordinal);

    /// <summary>A BLOB parameter takes a whole byte[]; copy only when the memory is a slice of a larger array.</summary>
    public static byte[] Blob(ReadOnlyMemory<byte> data) =>
        MemoryMarshal.TryGetArray(data, out var segment) && segment.Offset == 0 && segment.Count == segment.Array!.Length
            ? segment.Array
            : data.ToArray();

    /// <summary>Dictionaries are stored as JSON objects with sorted keys, so equal maps give equal text.</summary>
    public static string Json(IReadOnlyDictionary<string, string> map) =>
        JsonSerializer.Serialize(new SortedDictionary<string, string>(map.ToDictionary(), StringComparer.Ordinal));

    public static IReadOnlyDictionary<string, string> ReadJsonMap(this SqliteDataReader reader, int ordinal) =>
        JsonSerializer.Deserialize<Dictionary<string, string>>(reader.GetString(ordinal)) ?? [];

    public static SqliteCommand Command(this SqliteConnection connection, string sql, SqliteTransaction? tx = null)
    {
        var command = connection.CreateCommand();
        command.CommandText = sql;
        command.Transaction = tx;
        return command;
    }

    public static SqliteCommand Add(this SqliteCommand command, string name, object? value)
    {
        command.Parameters.AddWithValue(name, value ?? DBNull.Value);
        return command;
    }

    public static async Task<int> ExecuteAsync(this SqliteConnection connection, string sql, CancellationToken ct, SqliteTransaction? tx = null)
    {
        using var command = connection.Command(sql, tx);
        return await command.ExecuteNonQueryAsync(ct).ConfigureAwait(false);
    }

    public static async Task<object?> ScalarAsync(this SqliteConnection connection, string sql, SqliteTransaction? tx, CancellationToken ct)
    {
        using var command = connection.Command(sql, tx);
        return await command.ExecuteScalarAsync(ct).ConfigureAwait(false);
    }

    /// <summary>SQLITE_CONSTRAINT: a UNIQUE, FOREIGN KEY or CHECK constraint refused the change.</summary>
    public static bool IsConstraintViolation(this SqliteException ex) => ex.SqliteErrorCode == 19;
}
