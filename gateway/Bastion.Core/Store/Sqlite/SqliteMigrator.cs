using Microsoft.Data.Sqlite;

namespace Bastion.Core.Store.Sqlite;

/// <summary>
/// Applies pending <see cref="SqliteMigrations"/>. Each step runs in a BEGIN IMMEDIATE transaction that
/// first re-reads the current version, so processes starting at the same moment apply each step once.
/// </summary>
internal static class SqliteMigrator
{
    /// <returns>Null, or the warning to log when a newer binary migrated further in a way this one can run with.</returns>
    public static async Task<string?> MigrateAsync(SqliteConnection connection, string databasePath, TimeProvider time, CancellationToken ct)
    {
        // WAL lets readers (the gateway) proceed while a writer (the CLI) commits; the mode is stored in the file.
        await connection.ExecuteAsync("PRAGMA journal_mode = WAL;", ct).ConfigureAwait(false);
        await connection.ExecuteAsync(
            "CREATE TABLE IF NOT EXISTS schema_migrations (version INTEGER PRIMARY KEY, name TEXT NOT NULL, applied_at TEXT NOT NULL, compatible_from INTEGER);",
            ct).ConfigureAwait(false);
        await AddCompatibilityColumnAsync(connection, ct).ConfigureAwait(false);

        while (true)
        {
            using var tx = connection.BeginTransaction(deferred: false);
            var current = Convert.ToInt32(await connection.ScalarAsync(
                "SELECT COALESCE(MAX(version), 0) FROM schema_migrations;", tx, ct).ConfigureAwait(false));
            if (current > SqliteMigrations.LatestVersion)
            {
                var notice = SchemaCompatibility.Check(SqliteMigrations.LatestVersion, await NewerStepsAsync(connection, tx, ct).ConfigureAwait(false), databasePath);
                tx.Commit();
                return notice;
            }
            var next = SqliteMigrations.All.FirstOrDefault(m => m.Version > current);
            if (next is null)
            {
                tx.Commit();
                return null;
            }
            await connection.ExecuteAsync(next.Sql, ct, tx).ConfigureAwait(false);
            using (var record = connection.Command(
                       "INSERT INTO schema_migrations (version, name, applied_at, compatible_from) VALUES (@version, @name, @at, @compatible);", tx))
            {
                record.Add("@version", next.Version).Add("@name", next.Name).Add("@at", SqliteValues.Time(time.GetUtcNow())).Add("@compatible", next.CompatibleFrom);
                await record.ExecuteNonQueryAsync(ct).ConfigureAwait(false);
            }
            tx.Commit();
        }
    }

    /// <summary>Databases made before rolling upgrades were planned for lack the column; their steps count as breaking.</summary>
    private static async Task AddCompatibilityColumnAsync(SqliteConnection connection, CancellationToken ct)
    {
        using var tx = connection.BeginTransaction(deferred: false);
        var present = Convert.ToInt64(await connection.ScalarAsync(
            "SELECT COUNT(*) FROM pragma_table_info('schema_migrations') WHERE name = 'compatible_from';", tx, ct).ConfigureAwait(false));
        if (present == 0)
        {
            await connection.ExecuteAsync("ALTER TABLE schema_migrations ADD COLUMN compatible_from INTEGER;", ct, tx).ConfigureAwait(false);
        }
        tx.Commit();
    }

    private static async Task<IReadOnlyList<UnknownSchemaStep>> NewerStepsAsync(SqliteConnection connection, SqliteTransaction tx, CancellationToken ct)
    {
        using var query = connection.Command("SELECT version, name, compatible_from FROM schema_migrations WHERE version > @latest ORDER BY version;", tx)
            .Add("@latest", SqliteMigrations.LatestVersion);
        using var reader = await query.ExecuteReaderAsync(ct).ConfigureAwait(false);
        var steps = new List<UnknownSchemaStep>();
        while (await reader.ReadAsync(ct).ConfigureAwait(false))
        {
            steps.Add(new UnknownSchemaStep(reader.GetInt32(0), reader.GetString(1), reader.IsDBNull(2) ? null : reader.GetInt32(2)));
        }
        return steps;
    }
}
