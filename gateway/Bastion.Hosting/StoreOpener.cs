using Bastion.Core.Store;
using Bastion.Core.Store.Postgres;
using Bastion.Core.Store.Sqlite;
using Bastion.Hosting.Configuration;

namespace Bastion.Hosting;

/// <summary>Opens (and migrates) the store Bastion:Store names: SQLite in the data directory, or PostgreSQL.</summary>
public static class StoreOpener
{
    public static async Task<IBastionStore> OpenAsync(StoreOptions options, BastionPaths paths, TimeProvider time, CancellationToken ct)
    {
        ArgumentNullException.ThrowIfNull(options);
        ArgumentNullException.ThrowIfNull(paths);
        if (!options.IsPostgres)
        {
            return await SqliteStore.OpenAsync(paths.Database, time, ct).ConfigureAwait(false);
        }
        var connectionString = string.IsNullOrWhiteSpace(options.ConnectionString)
            ? await ReadConnectionStringFileAsync(options.ConnectionStringFile!, ct).ConfigureAwait(false)
            : options.ConnectionString;
        var postgres = new PostgresStoreOptions(connectionString);
        if (postgres.Problem() is { } problem)
        {
            throw new BastionConfigurationException([$"Bastion:Store:ConnectionStringFile {options.ConnectionStringFile} is not usable: {problem}"]);
        }
        return await PostgresStore.OpenAsync(postgres, time, ct).ConfigureAwait(false);
    }

    private static async Task<string> ReadConnectionStringFileAsync(string path, CancellationToken ct)
    {
        try
        {
            // One line; a trailing newline from `echo … > file` is not part of it.
            return (await File.ReadAllTextAsync(path, ct).ConfigureAwait(false)).Trim();
        }
        catch (Exception ex) when (ex is IOException or UnauthorizedAccessException)
        {
            throw new BastionConfigurationException(
                [$"Bastion:Store:ConnectionStringFile {path} cannot be read ({ex.GetType().Name}); create it readable by the service user only (chmod 0600)"]);
        }
    }
}
