using Microsoft.Data.Sqlite;

namespace Bastion.Core.Store.Sqlite;

/// <summary>
/// Applies pending <see cref="SqliteMigrations"/>. Each step runs in a BEGIN IMMEDIATE transaction that
/// first re-reads the current version, so processes starting at the same moment apply each step once.
/// </summary>
internal static class SqliteMigrator
{
    public static async Task MigrateAsync(SqliteConnection connection, string databasePath, TimeProvider time, CancellationToken ct)
    {
        // WAL lets readers (the gateway) proceed while a writer (the CLI) commits; the mode is stored in the file.
        await connection.ExecuteAsync("PRAGMA journal_mode = WAL;", ct).ConfigureAwait(false);
        await connection.ExecuteAsync(
            "CREATE TABLE IF NOT EXISTS schema_migrations (version INTEGER PRIMARY KEY, name TEXT NOT NULL, applied_at TEXT NOT NULL);",
            ct).ConfigureAwait(false);

        while (true)
        {
            using var tx = connection.BeginTransaction(deferred: false);
            var current = Convert.ToInt32(await connection.ScalarAsync(
                "SELECT COALESCE(MAX(version), 0) FROM schema_migrations;", tx, ct).ConfigureAwait(false));
            if (current > SqliteMigrations.LatestVersion)
            {
                throw new SchemaVersionException(
                    $"database {databasePath} has schema version {current}, but this Bastion understands only up to {SqliteMigrations.LatestVersion}; " +
                    "upgrade Bastion (or run the newer version that created it) instead of using this one");
            }
            var next = SqliteMigrations.All.FirstOrDefault(m => m.Version > current);
            if (next is null)
            {
                tx.Commit();
                return;
            }
            await connection.ExecuteAsync(next.Sql, ct, tx).ConfigureAwait(false);
            using (var record = connection.Command(
                       "INSERT INTO schema_migrations (version, name, applied_at) VALUES (@version, @name, @at);", tx))
            {
                record.Add("@version", next.Version).Add("@name", next.Name).Add("@at", SqliteValues.Time(time.GetUtcNow()));
                await record.ExecuteNonQueryAsync(ct).ConfigureAwait(false);
            }
            tx.Commit();
        }
    }
}
