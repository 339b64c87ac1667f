namespace Bastion.Gateway.Tests.Infrastructure;

/// <summary>One row of the gateway's audit_events table.</summary>
public sealed record AuditRow(long Seq, string Type, string? User, string? SessionId, string? SourceAddress, IReadOnlyDictionary<string, string> Data)
{
    /// <summary>Data value or null.</summary>
    public string? this[string key] => Data.TryGetValue(key, out var v) ? v : null;

    /// <inheritdoc />
    public override string ToString() =>
        $"#{Seq} {Type} user={User ?? "-"} session={SessionId ?? "-"} " + string.Join(' ', Data.OrderBy(d => d.Key, StringComparer.Ordinal).Select(d => $"{d.Key}={d.Value}"));
}

/// <summary>Direct access to the gateway's SQLite audit table (Microsoft.Data.Sqlite, no pooling so no file stays open).</summary>
public static class AuditDatabase
{
    /// <summary>Rows with seq &gt; <paramref name="afterSeq"/>, in seq order.</summary>
    public static IReadOnlyList<AuditRow> Read(string databasePath, long afterSeq = 0)
    {
        if (!File.Exists(databasePath))
        {
            return [];
        }

        using var connection = Open(databasePath, readOnly: true);
        using var command = connection.CreateCommand();
        command.CommandText = "SELECT seq, type, user_name, session_id, source_address, data FROM audit_events WHERE seq > $after ORDER BY seq;";
        command.Parameters.AddWithValue("$after", afterSeq);
        using var reader = command.ExecuteReader();
        var rows = new List<AuditRow>();
        while (reader.Read())
        {
            var data = System.Text.Json.JsonSerializer.Deserialize<Dictionary<string, string>>(reader.GetString(5)) ?? [];
            rows.Add(new AuditRow(reader.GetInt64(0), reader.GetString(1), reader.IsDBNull(2) ? null : reader.GetString(2),
                reader.IsDBNull(3) ? null : reader.GetString(3), reader.IsDBNull(4) ? null : reader.GetString(4), data));
        }

        return rows;
    }

    /// <summary>Runs one statement (e.g. a tampering UPDATE or DELETE) and returns the number of rows changed.</summary>
    public static int Execute(string databasePath, string sql, params (string Name, object Value)[] parameters)
    {
        using var connection = Open(databasePath, readOnly: false);
        using var command = connection.CreateCommand();
        command.CommandText = sql;
        foreach (var (name, value) in parameters)
        {
            command.Parameters.AddWithValue(name, value);
        }

        return command.ExecuteNonQuery();
    }

    private static Microsoft.Data.Sqlite.SqliteConnection Open(string path, bool readOnly)
    {
        var builder = new Microsoft.Data.Sqlite.SqliteConnectionStringBuilder
        {
            DataSource = path,
            Mode = readOnly ? Microsoft.Data.Sqlite.SqliteOpenMode.ReadOnly : Microsoft.Data.Sqlite.SqliteOpenMode.ReadWrite,
            Pooling = false,
            DefaultTimeout = 10,
        };
        var connection = new Microsoft.Data.Sqlite.SqliteConnection(builder.ToString());
        connection.Open();
        using var busy = connection.CreateCommand();
        busy.CommandText = "PRAGMA busy_timeout = 10000;";
        busy.ExecuteNonQuery();
        return connection;
    }
}
