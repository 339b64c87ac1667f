using Npgsql;

namespace Bastion.Gateway.Tests.Infrastructure;

/// <summary>
/// A fresh database on the test cluster named by BASTION_TEST_POSTGRES (tests/postgres.sh), dropped at dispose.
/// Without that variable the test fails with how to get one.
/// </summary>
public sealed class PostgresTestDatabase : IAsyncDisposable
{
    private readonly string _server;

    private PostgresTestDatabase(string server, string name)
    {
        _server = server;
        Name = name;
        ConnectionString = new NpgsqlConnectionStringBuilder(server) { Database = name }.ConnectionString;
    }

    public string Name { get; }

    /// <summary>Holds the test cluster's password: pass it to processes, never into assertion messages.</summary>
    public string ConnectionString { get; }

    public static async Task<PostgresTestDatabase> CreateAsync()
    {
        var value = Environment.GetEnvironmentVariable("BASTION_TEST_POSTGRES");
        if (string.IsNullOrWhiteSpace(value))
        {
            throw new InvalidOperationException(
                "BASTION_TEST_POSTGRES is not set; run ./test.sh or tests/postgres.sh start and source /tmp/bastion-test-pg/env");
        }
        var server = new NpgsqlConnectionStringBuilder(value) { Database = "postgres" }.ConnectionString;
        var database = new PostgresTestDatabase(server, "bastion_g_" + Guid.NewGuid().ToString("N")[..16]);
        await using var connection = new NpgsqlConnection(server);
        await connection.OpenAsync();
        await using var create = new NpgsqlCommand($"CREATE DATABASE {database.Name};", connection);
        await create.ExecuteNonQueryAsync();
        return database;
    }

    public async ValueTask DisposeAsync()
    {
        await using var connection = new NpgsqlConnection(_server);
        await connection.OpenAsync();
        await using var drop = new NpgsqlCommand($"DROP DATABASE IF EXISTS {Name} WITH (FORCE);", connection);
        await drop.ExecuteNonQueryAsync();
    }
}
