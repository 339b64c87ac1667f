using Npgsql;

namespace Bastion.Core.Store.Postgres;

/// <summary>
/// Applies pending <see cref="PostgresMigrations"/>. Each step runs in its own transaction that first takes a
/// transaction-scoped advisory lock and then re-reads the version, so nodes starting at the same moment queue up
/// and apply each step once (PostgreSQL DDL is transactional: a failed step leaves nothing behind).
/// </summary>
internal static class PostgresMigrator
{
    /// <summary>Advisory lock key for migrations ("bastmigr"); advisory locks are per database.</summary>
    private const long MigrationLock = 0x626173746D696772;

    public static async Task MigrateAsync(NpgsqlDataSource dataSource, string where, TimeProvider time, CancellationToken ct)
    {
        await using var connection = await dataSource.OpenConnectionAsync(ct).ConfigureAwait(false);
        while (true)
        {
            await using var tx = await connection.BeginTransactionAsync(ct).ConfigureAwait(false);
            await connection.ExecuteAsync($"SELECT pg_advisory_xact_lock({MigrationLock});", tx, ct).ConfigureAwait(false);
            await connection.ExecuteAsync(
                "CREATE TABLE IF NOT EXISTS schema_migrations (version integer PRIMARY KEY, name text NOT NULL, applied_at timestamptz NOT NULL);",
                tx, ct).ConfigureAwait(false);
            var current = Convert.ToInt32(await connection.ScalarAsync(
                "SELECT COALESCE(MAX(version), 0) FROM schema_migrations;", tx, ct).ConfigureAwait(false));
            if (current > PostgresMigrations.LatestVersion)
            {
                throw new SchemaVersionException(
                    $"database {where} has schema version {current}, but this Bastion understands only up to {PostgresMigrations.LatestVersion}; " +
                    "upgrade Bastion (or run the newer version that created it) instead of using this one");
            }
            var next = PostgresMigrations.All.FirstOrDefault(m => m.Version > current);
            if (next is null)
            {
                await tx.CommitAsync(ct).ConfigureAwait(false);
                return;
            }
            await connection.ExecuteAsync(next.Sql, tx, ct).ConfigureAwait(false);
            await using (var record = connection.Command(
                             "INSERT INTO schema_migrations (version, name, applied_at) VALUES (@version, @name, @at);", tx))
            {
                record.Add("@version", next.Version).Add("@name", next.Name).Add("@at", PostgresValues.Time(time.GetUtcNow()));
                await record.ExecuteNonQueryAsync(ct).ConfigureAwait(false);
            }
            await tx.CommitAsync(ct).ConfigureAwait(false);
        }
    }
}
