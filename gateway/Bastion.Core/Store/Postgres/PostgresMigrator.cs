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

    /// <returns>Null, or the warning to log when a newer binary migrated further in a way this one can run with.</returns>
    public static async Task<string?> MigrateAsync(NpgsqlDataSource dataSource, string where, TimeProvider time, CancellationToken ct)
    {
        await using var connection = await dataSource.OpenConnectionAsync(ct).ConfigureAwait(false);
        while (true)
        {
            await using var tx = await connection.BeginTransactionAsync(ct).ConfigureAwait(false);
            await connection.ExecuteAsync($"SELECT pg_advisory_xact_lock({MigrationLock});", tx, ct).ConfigureAwait(false);
            await connection.ExecuteAsync(
                "CREATE TABLE IF NOT EXISTS schema_migrations (version integer PRIMARY KEY, name text NOT NULL, applied_at timestamptz NOT NULL, compatible_from integer);",
                tx, ct).ConfigureAwait(false);
            // Databases made before rolling upgrades were planned for lack the column; their steps count as breaking.
            await connection.ExecuteAsync("ALTER TABLE schema_migrations ADD COLUMN IF NOT EXISTS compatible_from integer;", tx, ct).ConfigureAwait(false);
            var current = Convert.ToInt32(await connection.ScalarAsync(
                "SELECT COALESCE(MAX(version), 0) FROM schema_migrations;", tx, ct).ConfigureAwait(false));
            if (current > PostgresMigrations.LatestVersion)
            {
                var notice = SchemaCompatibility.Check(PostgresMigrations.LatestVersion, await NewerStepsAsync(connection, tx, ct).ConfigureAwait(false), where);
                await tx.CommitAsync(ct).ConfigureAwait(false);
                return notice;
            }
            var next = PostgresMigrations.All.FirstOrDefault(m => m.Version > current);
            if (next is null)
            {
                await tx.CommitAsync(ct).ConfigureAwait(false);
                return null;
            }
            await connection.ExecuteAsync(next.Sql, tx, ct).ConfigureAwait(false);
            await using (var record = connection.Command(
                             "INSERT INTO schema_migrations (version, name, applied_at, compatible_from) VALUES (@version, @name, @at, @compatible);", tx))
            {
                record.Add("@version", next.Version).Add("@name", next.Name).Add("@at", PostgresValues.Time(time.GetUtcNow()))
                    .Add("@compatible", next.CompatibleFrom);
                await record.ExecuteNonQueryAsync(ct).ConfigureAwait(false);
            }
            await tx.CommitAsync(ct).ConfigureAwait(false);
        }
    }

    private static async Task<IReadOnlyList<UnknownSchemaStep>> NewerStepsAsync(NpgsqlConnection connection, NpgsqlTransaction tx, CancellationToken ct)
    {
        await using var query = connection.Command("SELECT version, name, compatible_from FROM schema_migrations WHERE version > @latest ORDER BY version;", tx)
            .Add("@latest", PostgresMigrations.LatestVersion);
        await using var reader = await query.ExecuteReaderAsync(ct).ConfigureAwait(false);
        var steps = new List<UnknownSchemaStep>();
        while (await reader.ReadAsync(ct).ConfigureAwait(false))
        {
            steps.Add(new UnknownSchemaStep(reader.GetInt32(0), reader.GetString(1), reader.IsDBNull(2) ? null : reader.GetInt32(2)));
        }
        return steps;
    }
}
