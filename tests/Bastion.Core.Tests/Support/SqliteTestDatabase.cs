using Bastion.Core.Store;
using Bastion.Core.Store.Sqlite;
using Microsoft.Data.Sqlite;

namespace Bastion.Core.Tests.Support;

/// <summary>A SQLite file in the fixture's temp directory.</summary>
internal sealed class SqliteTestDatabase(string path) : ITestDatabase
{
    public string Path { get; } = path;

    public async Task<IBastionStore> OpenStoreAsync(TimeProvider time, bool pooling) =>
        await SqliteStore.OpenAsync(new SqliteStoreOptions(Path) { Pooling = pooling }, time);

    public async Task ExecuteSqlAsync(string sql, IReadOnlyList<(string Name, object Value)> parameters)
    {
        await using var connection = new SqliteConnection($"Data Source={Path};Pooling=False");
        await connection.OpenAsync();
        using var command = connection.CreateCommand();
        command.CommandText = sql;
        foreach (var (name, value) in parameters)
        {
            command.Parameters.AddWithValue(name, value);
        }
        await command.ExecuteNonQueryAsync();
    }

    // The temp directory (deleted by the fixture) holds the file.
    public ValueTask DisposeAsync() => ValueTask.CompletedTask;
}
