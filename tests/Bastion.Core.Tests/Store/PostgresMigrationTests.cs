using Bastion.Core.Store;
using Bastion.Core.Store.Postgres;
using Bastion.Core.Tests.Support;
using Npgsql;

namespace Bastion.Core.Tests.Store;

/// <summary>PostgreSQL schema migrations: fresh, concurrent, and a database newer than this code.</summary>
public sealed class PostgresMigrationTests
{
    [Fact]
    public async Task A_fresh_database_migrates_to_the_latest_version_once()
    {
        await using var fixture = await StoreFixture.CreateAsync(StoreProvider.Postgres);
        var store = (PostgresStore)fixture.Store;
        await store.MigrateAsync();

        Assert.Equal(PostgresMigrations.LatestVersion, await store.GetSchemaVersionAsync());
        Assert.Equal(Enumerable.Range(1, PostgresMigrations.LatestVersion), await VersionsAsync(fixture.PostgresConnectionString));
    }

    [Fact]
    public async Task Nodes_migrating_a_fresh_database_at_once_apply_each_step_once()
    {
        await using var empty = await PostgresTestDatabase.CreateAsync();
        var stores = Enumerable.Range(0, 6).Select(_ => new PostgresStore(new PostgresStoreOptions(empty.ConnectionString + ";Pooling=false"))).ToList();
        try
        {
            Assert.Equal(0, await stores[0].GetSchemaVersionAsync());
            await Task.WhenAll(stores.Select(s => Task.Run(() => s.MigrateAsync())));

            Assert.Equal(Enumerable.Range(1, PostgresMigrations.LatestVersion), await VersionsAsync(empty.ConnectionString));
            // And the result works: a user added on one node is read on another.
            await stores[1].AddUserAsync(new NewUser("alice"));
            Assert.NotNull(await stores[4].GetUserAsync("alice"));
        }
        finally
        {
            foreach (var store in stores)
            {
                await store.DisposeAsync();
            }
        }
    }

    [Fact]
    public async Task A_database_from_a_newer_version_is_refused_with_a_clear_message()
    {
        await using var fixture = await StoreFixture.CreateAsync(StoreProvider.Postgres);
        await fixture.ExecuteSqlAsync("INSERT INTO schema_migrations (version, name, applied_at) VALUES (999, 'future', now());");

        var error = await Assert.ThrowsAsync<SchemaVersionException>(() => fixture.OpenAnotherAsync());
        Assert.Contains("schema version 999", error.Message, StringComparison.Ordinal);
        Assert.Contains("upgrade Bastion", error.Message, StringComparison.Ordinal);
        Assert.Contains("PostgreSQL at 127.0.0.1", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task A_newer_database_whose_new_steps_only_add_keeps_this_version_serving_with_a_notice()
    {
        await using var fixture = await StoreFixture.CreateAsync(StoreProvider.Postgres);
        var latest = PostgresMigrations.LatestVersion;
        await fixture.ExecuteSqlAsync($"INSERT INTO schema_migrations (version, name, applied_at, compatible_from) VALUES ({latest + 1}, 'an added table', now(), {latest});");

        var store = await fixture.OpenAnotherAsync();

        Assert.Contains($"schema version {latest + 1}, newer than this Bastion ({latest})", store.SchemaNotice, StringComparison.Ordinal);
        await fixture.ExecuteSqlAsync($"INSERT INTO schema_migrations (version, name, applied_at, compatible_from) VALUES ({latest + 2}, 'users renamed', now(), {latest + 1});");
        var error = await Assert.ThrowsAsync<SchemaVersionException>(() => fixture.OpenAnotherAsync());
        Assert.Contains($"step {latest + 2} (\"users renamed\")", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task A_refused_login_names_the_server_but_never_the_password()
    {
        var cluster = new NpgsqlConnectionStringBuilder(PostgresTestDatabase.ClusterConnectionString()) { Password = "wrong-password-e81f", Pooling = false };
        var options = new PostgresStoreOptions(cluster.ConnectionString);

        var error = await Assert.ThrowsAsync<StoreUnavailableException>(() => PostgresStore.OpenAsync(options));

        Assert.Contains($"{cluster.Host}:{cluster.Port}, database postgres, user {cluster.Username}", error.Message, StringComparison.Ordinal);
        Assert.Contains("28P01", error.Message, StringComparison.Ordinal);
        Assert.DoesNotContain("wrong-password-e81f", error.ToString(), StringComparison.Ordinal);
        Assert.DoesNotContain("wrong-password-e81f", options.ToString(), StringComparison.Ordinal);
    }

    private static async Task<IReadOnlyList<int>> VersionsAsync(string connectionString)
    {
        await using var connection = new NpgsqlConnection(connectionString + ";Pooling=false");
        await connection.OpenAsync();
        await using var query = new NpgsqlCommand("SELECT version FROM schema_migrations ORDER BY version;", connection);
        await using var reader = await query.ExecuteReaderAsync();
        var versions = new List<int>();
        while (await reader.ReadAsync())
        {
            versions.Add(reader.GetInt32(0));
        }
        return versions;
    }
}
