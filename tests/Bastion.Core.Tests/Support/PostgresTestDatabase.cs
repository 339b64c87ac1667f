using Bastion.Core.Store;
using Bastion.Core.Store.Postgres;
using Npgsql;

namespace Bastion.Core.Tests.Support;

/// <summary>
/// A fresh database (bastion_t_RANDOM) on the test cluster named by BASTION_TEST_POSTGRES, dropped at dispose.
/// Without that variable the test fails: a PostgreSQL contract test that silently skipped would prove nothing.
/// </summary>
internal sealed class PostgresTestDatabase : ITestDatabase
{
    public const string Variable = "BASTION_TEST_POSTGRES";

    private PostgresTestDatabase(string name, string serverConnectionString)
    {
        Name = name;
        ServerConnectionString = serverConnectionString;
        ConnectionString = new NpgsqlConnectionStringBuilder(serverConnectionString) { Database = name }.ConnectionString;
    }

    public string Name { get; }

    /// <summary>The cluster's connection string (database "postgres"), for creating and dropping databases.</summary>
    public string ServerConnectionString { get; }

    /// <summary>Connection string of this fixture's database.</summary>
    public string ConnectionString { get; }

    /// <summary>The cluster from BASTION_TEST_POSTGRES, or a failure that says how to get one.</summary>
    public static string ClusterConnectionString()
    {
        var value = Environment.GetEnvironmentVariable(Variable);
        if (string.IsNullOrWhiteSpace(value))
        {
            throw new InvalidOperationException(
                $"{Variable} is not set; run ./test.sh or tests/postgres.sh start and source /tmp/bastion-test-pg/env");
        }
        return new NpgsqlConnectionStringBuilder(value) { Database = "postgres" }.ConnectionString;
    }

    public static async Task<PostgresTestDatabase> CreateAsync()
    {
        var server = ClusterConnectionString();
        var database = new PostgresTestDatabase("bastion_t_" + Guid.NewGuid().ToString("N")[..16], server);
        await using var connection = new NpgsqlConnection(server);
        await connection.OpenAsync();
        await using var create = new NpgsqlCommand($"CREATE DATABASE {database.Name};", connection);
        await create.ExecuteNonQueryAsync();
        return database;
    }

    public async Task<IBastionStore> OpenStoreAsync(TimeProvider time, bool pooling) =>
        await PostgresStore.OpenAsync(new PostgresStoreOptions(ConnectionString + (pooling ? "" : ";Pooling=false")), time);

    public async Task ExecuteSqlAsync(string sql, IReadOnlyList<(string Name, object Value)> parameters)
    {
        await using var connection = new NpgsqlConnection(ConnectionString + ";Pooling=false");
        await connection.OpenAsync();
        await using var command = new NpgsqlCommand(sql, connection);
        foreach (var (name, value) in parameters)
        {
            command.Parameters.AddWithValue(name, value);
        }
        await command.ExecuteNonQueryAsync();
    }

    public async ValueTask DisposeAsync()
    {
        await using var connection = new NpgsqlConnection(ServerConnectionString);
        await connection.OpenAsync();
        // FORCE: a store a test forgot to dispose must not keep the database alive.
        await using var drop = new NpgsqlCommand($"DROP DATABASE IF EXISTS {Name} WITH (FORCE);", connection);
        await drop.ExecuteNonQueryAsync();
    }
}
