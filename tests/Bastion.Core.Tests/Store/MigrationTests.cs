using Bastion.Core.Store;
using Bastion.Core.Store.Sqlite;
using Bastion.Core.Tests.Support;
using Microsoft.Data.Sqlite;

namespace Bastion.Core.Tests.Store;

public sealed class MigrationTests
{
    [Fact]
    public async Task Migrating_twice_applies_each_migration_once()
    {
        await using var fixture = await StoreFixture.CreateAsync();
        await fixture.Store.MigrateAsync();
        await fixture.Store.MigrateAsync();

        Assert.Equal(SqliteMigrations.LatestVersion, await fixture.Sqlite.GetSchemaVersionAsync());
        Assert.Equal(SqliteMigrations.All.Count, await ScalarAsync(fixture.DatabasePath, "SELECT COUNT(*) FROM schema_migrations;"));
    }

    [Fact]
    public async Task Processes_migrating_a_fresh_file_at_once_agree()
    {
        using var directory = new TempDirectory();
        var path = directory.File("race.db");
        var stores = Enumerable.Range(0, 4).Select(_ => new SqliteStore(new SqliteStoreOptions(path) { Pooling = false })).ToList();

        await Task.WhenAll(stores.Select(s => Task.Run(() => s.MigrateAsync())));

        Assert.Equal(SqliteMigrations.All.Count, await ScalarAsync(path, "SELECT COUNT(*) FROM schema_migrations;"));
        stores.ForEach(s => s.Dispose());
    }

    [Fact]
    public async Task Database_is_in_wal_mode_with_foreign_keys_enforced()
    {
        await using var fixture = await StoreFixture.CreateAsync();
        await using var connection = new SqliteConnection($"Data Source={fixture.DatabasePath}");
        await connection.OpenAsync();
        using var pragma = connection.CreateCommand();
        pragma.CommandText = "PRAGMA journal_mode;";
        Assert.Equal("wal", (string?)await pragma.ExecuteScalarAsync());

        // Foreign keys: deleting a user removes their keys and TOTP credential (ON DELETE CASCADE needs them on).
        var alice = await fixture.AddUserAsync("alice");
        await fixture.Store.SetTotpCredentialAsync(alice.Id, [1, 2, 3]);
        Assert.True(await fixture.Store.DeleteUserAsync("alice"));
        Assert.Null(await fixture.Store.GetTotpCredentialAsync(alice.Id));
        await Assert.ThrowsAsync<EntityNotFoundException>(() => fixture.Store.SetTotpCredentialAsync(9999, [1]));
    }

    [Fact]
    public async Task A_database_from_a_newer_version_is_refused_with_a_clear_message()
    {
        await using var fixture = await StoreFixture.CreateAsync();
        await ExecuteAsync(fixture.DatabasePath, "INSERT INTO schema_migrations (version, name, applied_at) VALUES (999, 'future', '2031-01-01');");

        var error = await Assert.ThrowsAsync<SchemaVersionException>(() => SqliteStore.OpenAsync(fixture.DatabasePath));
        Assert.Contains("schema version 999", error.Message, StringComparison.Ordinal);
        Assert.Contains("upgrade Bastion", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task A_newer_database_whose_new_steps_only_add_keeps_this_version_serving_with_a_notice()
    {
        await using var fixture = await StoreFixture.CreateAsync();
        var latest = SqliteMigrations.LatestVersion;
        await ExecuteAsync(fixture.DatabasePath,
            $"INSERT INTO schema_migrations (version, name, applied_at, compatible_from) VALUES ({latest + 1}, 'an added table', '2031-01-01', {latest});");

        using var store = await SqliteStore.OpenAsync(fixture.DatabasePath);

        Assert.Contains($"schema version {latest + 1}, newer than this Bastion ({latest})", store.SchemaNotice, StringComparison.Ordinal);
        Assert.Contains("rolling upgrade", store.SchemaNotice, StringComparison.Ordinal);
        await store.AddUserAsync(new NewUser("during-the-upgrade"));
        Assert.Null(fixture.Sqlite.SchemaNotice);

        // A later step that older binaries would misread stops them, naming it.
        await ExecuteAsync(fixture.DatabasePath,
            $"INSERT INTO schema_migrations (version, name, applied_at, compatible_from) VALUES ({latest + 2}, 'users renamed', '2031-01-02', NULL);");
        var error = await Assert.ThrowsAsync<SchemaVersionException>(() => SqliteStore.OpenAsync(fixture.DatabasePath));
        Assert.Contains($"step {latest + 2} (\"users renamed\")", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task A_database_from_before_rolling_upgrades_gets_the_compatibility_column()
    {
        await using var fixture = await StoreFixture.CreateAsync();
        await ExecuteAsync(fixture.DatabasePath, "ALTER TABLE schema_migrations DROP COLUMN compatible_from;");

        using var store = await SqliteStore.OpenAsync(fixture.DatabasePath);

        Assert.Equal(1, await ScalarAsync(fixture.DatabasePath, "SELECT COUNT(*) FROM pragma_table_info('schema_migrations') WHERE name = 'compatible_from';"));
        Assert.Equal(SqliteMigrations.LatestVersion, await store.GetSchemaVersionAsync());
    }

    internal static async Task<long> ScalarAsync(string path, string sql)
    {
        await using var connection = new SqliteConnection($"Data Source={path};Pooling=False");
        await connection.OpenAsync();
        using var command = connection.CreateCommand();
        command.CommandText = sql;
        return Convert.ToInt64(await command.ExecuteScalarAsync());
    }

    internal static async Task ExecuteAsync(string path, string sql)
    {
        await using var connection = new SqliteConnection($"Data Source={path};Pooling=False");
        await connection.OpenAsync();
        using var command = connection.CreateCommand();
        command.CommandText = sql;
        await command.ExecuteNonQueryAsync();
    }
}

/// <summary>The rule itself: every unknown step must declare it leaves this version's data alone.</summary>
public sealed class SchemaCompatibilityTests
{
    [Fact]
    public void Runs_when_every_newer_step_is_compatible_and_stops_at_the_first_that_is_not()
    {
        Assert.Null(SchemaCompatibility.Check(9, [], "db"));
        Assert.Contains("schema version 11", SchemaCompatibility.Check(9, [new(10, "a", 9), new(11, "b", 8)], "db"), StringComparison.Ordinal);

        var unknown = Assert.Throws<SchemaVersionException>(() => SchemaCompatibility.Check(9, [new(10, "a", 9), new(11, "old rows", null)], "db"));
        Assert.Contains("step 11 (\"old rows\")", unknown.Message, StringComparison.Ordinal);
        // Compatible only from 10 on: a binary at 9 must stop.
        var tooOld = Assert.Throws<SchemaVersionException>(() => SchemaCompatibility.Check(9, [new(10, "a", 9), new(11, "needs 10", 10)], "db"));
        Assert.Contains("step 11", tooOld.Message, StringComparison.Ordinal);
    }
}
