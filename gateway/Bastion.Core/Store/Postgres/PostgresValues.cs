using System.Text.Json;
using Npgsql;

namespace Bastion.Core.Store.Postgres;

/// <summary>Conversions between domain values and PostgreSQL column values, and small ADO.NET helpers.</summary>
internal static class PostgresValues
{
    /// <summary>timestamptz takes only UTC DateTimeOffsets (Npgsql refuses other offsets); it keeps microseconds.</summary>
    public static DateTimeOffset Time(DateTimeOffset value) => value.ToUniversalTime();

    public static DateTimeOffset ReadTime(this NpgsqlDataReader reader, int ordinal) => reader.GetFieldValue<DateTimeOffset>(ordinal);

    public static DateTimeOffset? ReadNullableTime(this NpgsqlDataReader reader, int ordinal) =>
        reader.IsDBNull(ordinal) ? null : reader.ReadTime(ordinal);

    public static string? ReadNullableString(this NpgsqlDataReader reader, int ordinal) =>
        reader.IsDBNull(ordinal) ? null : reader.GetString(ordinal);

    public static byte[] ReadBytes(this NpgsqlDataReader reader, int ordinal) => reader.GetFieldValue<byte[]>(ordinal);

    /// <summary>Dictionaries are written as JSON objects with sorted keys, exactly as on SQLite.</summary>
    public static string Json(IReadOnlyDictionary<string, string> map) =>
        JsonSerializer.Serialize(new SortedDictionary<string, string>(map.ToDictionary(), StringComparer.Ordinal));

    public static IReadOnlyDictionary<string, string> ReadJsonMap(this NpgsqlDataReader reader, int ordinal) =>
        JsonSerializer.Deserialize<Dictionary<string, string>>(reader.GetString(ordinal)) ?? [];

    public static NpgsqlCommand Command(this NpgsqlConnection connection, string sql, NpgsqlTransaction? tx = null) =>
        new(sql, connection, tx);

    public static NpgsqlCommand Add(this NpgsqlCommand command, string name, object? value)
    {
        command.Parameters.AddWithValue(name, value ?? DBNull.Value);
        return command;
    }

    /// <summary>A jsonb parameter (text parameters do not convert to jsonb implicitly).</summary>
    public static NpgsqlCommand AddJson(this NpgsqlCommand command, string name, IReadOnlyDictionary<string, string> map)
    {
        command.Parameters.AddWithValue(name, NpgsqlTypes.NpgsqlDbType.Jsonb, Json(map));
        return command;
    }

    public static async Task<int> ExecuteAsync(this NpgsqlConnection connection, string sql, NpgsqlTransaction? tx, CancellationToken ct)
    {
        await using var command = connection.Command(sql, tx);
        return await command.ExecuteNonQueryAsync(ct).ConfigureAwait(false);
    }

    public static async Task<object?> ScalarAsync(this NpgsqlConnection connection, string sql, NpgsqlTransaction? tx, CancellationToken ct)
    {
        await using var command = connection.Command(sql, tx);
        return await command.ExecuteScalarAsync(ct).ConfigureAwait(false);
    }

    /// <summary>23505: a UNIQUE or PRIMARY KEY constraint refused the row.</summary>
    public static bool IsUniqueViolation(this PostgresException ex) => ex.SqlState == PostgresErrorCodes.UniqueViolation;

    /// <summary>23503: the referenced row (a user) does not exist (any more).</summary>
    public static bool IsForeignKeyViolation(this PostgresException ex) => ex.SqlState == PostgresErrorCodes.ForeignKeyViolation;
}
