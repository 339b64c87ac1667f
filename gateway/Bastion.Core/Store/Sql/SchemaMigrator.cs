using System.Data.Common;

namespace Bastion.Core.Store.Sql;

/// <summary>
/// Applies pending <see cref="SchemaSteps"/>. Each step runs in its own write transaction that first serializes on
/// the migration lock and re-reads the version, so processes and nodes starting at the same moment queue up and apply
/// each step once (SQLite: BEGIN IMMEDIATE; PostgreSQL: an advisory lock, and DDL is transactional there).
/// </summary>
internal static class SchemaMigrator
{
    /// <summary>Advisory lock key for migrations ("bastmigr"); the same key every release takes.</summary>
    private const long MigrationLock = 0x626173746D696772;

    /// <returns>Null, or the warning to log when a newer binary migrated further in a way this one can run with.</returns>
    public static async Task<string?> MigrateAsync(DbConnection connection, SqlDialect dialect, string where, TimeProvider time, CancellationToken ct)
    {
        while (true)
        {
            await using var tx = await dialect.BeginWriteAsync(connection, ct).ConfigureAwait(false);
            await dialect.SerializeAsync(connection, tx, MigrationLock, ct).ConfigureAwait(false);
            await EnsureSchemaTableAsync(connection, dialect, tx, ct).ConfigureAwait(false);
            var current = await connection.ScalarAsync<int>("SELECT COALESCE(MAX(version), 0) FROM schema_migrations;", null, tx, ct).ConfigureAwait(false);
            if (current > SchemaSteps.LatestVersion)
            {
                var newer = await connection.ListAsync(
                    "SELECT version, name, compatible_from FROM schema_migrations WHERE version > @latest ORDER BY version;", new { latest = SchemaSteps.LatestVersion }, tx,
                    r => new UnknownSchemaStep(Convert.ToInt32(r.GetValue(0)), r.GetString(1), r.IsDBNull(2) ? null : Convert.ToInt32(r.GetValue(2))), ct).ConfigureAwait(false);
                var notice = SchemaCompatibility.Check(SchemaSteps.LatestVersion, newer, where);
                await tx.CommitAsync(ct).ConfigureAwait(false);
                return notice;
            }
            var next = SchemaSteps.All.FirstOrDefault(m => m.Version > current);
            if (next is null)
            {
                await tx.CommitAsync(ct).ConfigureAwait(false);
                return null;
            }
            await connection.RunAsync(next.SqlFor(dialect), null, tx, ct).ConfigureAwait(false);
            await connection.RunAsync("INSERT INTO schema_migrations (version, name, applied_at, compatible_from) VALUES (@Version, @Name, @at, @CompatibleFrom);",
                new { next.Version, next.Name, at = dialect.Time(time.GetUtcNow()), next.CompatibleFrom }, tx, ct).ConfigureAwait(false);
            await tx.CommitAsync(ct).ConfigureAwait(false);
        }
    }

    /// <summary>The version recorded in the database (0 if it was never migrated).</summary>
    public static async Task<int> VersionAsync(DbConnection connection, SqlDialect dialect, CancellationToken ct) =>
        await dialect.TableExistsAsync(connection, "schema_migrations", ct).ConfigureAwait(false)
            ? await connection.ScalarAsync<int>("SELECT COALESCE(MAX(version), 0) FROM schema_migrations;", null, null, ct).ConfigureAwait(false)
            : 0;

    private static async Task EnsureSchemaTableAsync(DbConnection connection, SqlDialect dialect, DbTransaction tx, CancellationToken ct)
    {
        await connection.RunAsync(new SchemaStep(0, "schema_migrations",
                "CREATE TABLE IF NOT EXISTS schema_migrations (version INTEGER PRIMARY KEY, name TEXT NOT NULL, applied_at $Time NOT NULL, compatible_from INTEGER);")
            .SqlFor(dialect), null, tx, ct).ConfigureAwait(false);
        // Databases made before rolling upgrades were planned for lack the column; their steps count as breaking.
        if (!await dialect.ColumnExistsAsync(connection, tx, "schema_migrations", "compatible_from", ct).ConfigureAwait(false))
        {
            await connection.RunAsync("ALTER TABLE schema_migrations ADD COLUMN compatible_from INTEGER;", null, tx, ct).ConfigureAwait(false);
        }
    }
}
