using System.Text;
using System.Text.RegularExpressions;
using Microsoft.Data.Sqlite;
using Npgsql;

namespace Bastion.Core.Tests.Support;

/// <summary>
/// A database's schema as text, for comparing what migrations build: on SQLite every sqlite_master entry with its SQL
/// (comments dropped, whitespace collapsed, so only the schema itself counts); on PostgreSQL the columns (types,
/// collations, defaults, identity), indexes and constraints from the catalog. The expected texts live in
/// tests/Bastion.Core.Tests/Store/Schema and were taken from the release that had one store per database;
/// BASTION_WRITE_SCHEMA_SNAPSHOTS=1 rewrites them (only do that for a new migration step).
/// </summary>
internal static partial class SchemaSnapshot
{
    public static async Task<string> OfSqliteAsync(string databasePath)
    {
        await using var connection = new SqliteConnection(new SqliteConnectionStringBuilder { DataSource = databasePath, Pooling = false }.ToString());
        await connection.OpenAsync();
        await using var command = new SqliteCommand("SELECT type, name, tbl_name, sql FROM sqlite_master ORDER BY type, name;", connection);
        await using var reader = await command.ExecuteReaderAsync();
        var text = new StringBuilder();
        while (await reader.ReadAsync())
        {
            var sql = reader.IsDBNull(3) ? "" : Normalize(reader.GetString(3));
            text.Append(reader.GetString(0)).Append(' ').Append(reader.GetString(1)).Append(" on ").Append(reader.GetString(2)).Append(": ").AppendLine(sql);
        }
        return text.ToString();
    }

    public static async Task<string> OfPostgresAsync(string connectionString)
    {
        await using var connection = new NpgsqlConnection(connectionString + ";Pooling=false");
        await connection.OpenAsync();
        var text = new StringBuilder();
        await AppendRowsAsync(connection, text, "column",
            "SELECT table_name, column_name, data_type, udt_name, coalesce(collation_name, ''), is_nullable, coalesce(column_default, ''), " +
            "is_identity, coalesce(identity_generation, '') FROM information_schema.columns WHERE table_schema = 'public' " +
            "ORDER BY table_name, ordinal_position;");
        await AppendRowsAsync(connection, text, "index",
            "SELECT tablename, indexname, indexdef FROM pg_indexes WHERE schemaname = 'public' ORDER BY tablename, indexname;");
        await AppendRowsAsync(connection, text, "constraint",
            "SELECT conrelid::regclass::text, conname, pg_get_constraintdef(oid) FROM pg_constraint " +
            "WHERE connamespace = 'public'::regnamespace ORDER BY 1, 2;");
        await AppendRowsAsync(connection, text, "sequence",
            "SELECT sequencename, data_type::text, increment_by::text FROM pg_sequences WHERE schemaname = 'public' ORDER BY 1;");
        return text.ToString();
    }

    /// <summary>The expected snapshot (or, with BASTION_WRITE_SCHEMA_SNAPSHOTS=1, writes <paramref name="actual"/> as the new one).</summary>
    public static string Expected(string name, string actual)
    {
        var path = Path.Combine(RepositoryFiles.Root, "tests", "Bastion.Core.Tests", "Store", "Schema", name);
        if (Environment.GetEnvironmentVariable("BASTION_WRITE_SCHEMA_SNAPSHOTS") == "1")
        {
            File.WriteAllText(path, actual);
        }
        return File.ReadAllText(path);
    }

    private static async Task AppendRowsAsync(NpgsqlConnection connection, StringBuilder text, string kind, string sql)
    {
        await using var command = new NpgsqlCommand(sql, connection);
        await using var reader = await command.ExecuteReaderAsync();
        while (await reader.ReadAsync())
        {
            text.Append(kind);
            for (var i = 0; i < reader.FieldCount; i++)
            {
                text.Append(" | ").Append(reader.GetString(i));
            }
            text.AppendLine();
        }
    }

    private static string Normalize(string sql) => Whitespace().Replace(Comment().Replace(sql, " "), " ").Trim();

    [GeneratedRegex("--[^\n]*")]
    private static partial Regex Comment();

    [GeneratedRegex(@"\s+")]
    private static partial Regex Whitespace();
}
