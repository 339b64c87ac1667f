using System.Data.Common;
using Bastion.Core.Store.Sql;
using Microsoft.Data.Sqlite;

namespace Bastion.Core.Store.Sqlite;

/// <summary>
/// <see cref="IBastionStore"/> on a SQLite file: <see cref="SqlStore"/> with SQLite's connections. Several processes
/// may use the same file: the database is in WAL mode, waits <see cref="SqliteStoreOptions.BusyTimeout"/> for locks,
/// and every read-modify-write runs in a BEGIN IMMEDIATE transaction. Foreign keys are enforced. Open with
/// <see cref="OpenAsync(string, TimeProvider?, CancellationToken)"/>, which also migrates.
/// </summary>
public sealed partial class SqliteStore : SqlStore, IDisposable
{
    private readonly string _connectionString;
    private readonly int _busyTimeoutMs;

    /// <summary>Creates the store without touching the file; call <see cref="SqlStore.MigrateAsync"/> before use.</summary>
    public SqliteStore(SqliteStoreOptions options, TimeProvider? timeProvider = null)
        : base(SqliteDialect.Instance, timeProvider)
    {
        ArgumentNullException.ThrowIfNull(options);
        ArgumentException.ThrowIfNullOrEmpty(options.DatabasePath);
        DatabasePath = Path.GetFullPath(options.DatabasePath);
        _busyTimeoutMs = (int)Math.Clamp(options.BusyTimeout.TotalMilliseconds, 0, int.MaxValue);
        _connectionString = new SqliteConnectionStringBuilder
        {
            DataSource = DatabasePath,
            Mode = options.ReadOnly ? SqliteOpenMode.ReadOnly : SqliteOpenMode.ReadWriteCreate,
            Cache = SqliteCacheMode.Private,
            Pooling = options.Pooling,
            ForeignKeys = true,
            DefaultTimeout = Math.Max(1, (int)Math.Ceiling(options.BusyTimeout.TotalSeconds)),
        }.ToString();
    }

    /// <summary>Opens (creating if needed) and migrates the database at <paramref name="databasePath"/>.</summary>
    public static Task<SqliteStore> OpenAsync(string databasePath, TimeProvider? timeProvider = null, CancellationToken ct = default) =>
        OpenAsync(new SqliteStoreOptions(databasePath), timeProvider, ct);

    /// <summary>Opens (creating if needed) and migrates the database described by <paramref name="options"/>.</summary>
    public static async Task<SqliteStore> OpenAsync(SqliteStoreOptions options, TimeProvider? timeProvider = null, CancellationToken ct = default)
    {
        var store = new SqliteStore(options, timeProvider);
        try
        {
            await store.MigrateAsync(ct).ConfigureAwait(false);
            return store;
        }
        catch
        {
            store.Dispose();
            throw;
        }
    }

    /// <summary>The full path of the database file.</summary>
    public string DatabasePath { get; }

    private protected override string Where => DatabasePath;

    /// <summary>Closes pooled connections to this file (so it can be moved or deleted).</summary>
    public void Dispose()
    {
        using var connection = new SqliteConnection(_connectionString);
        SqliteConnection.ClearPool(connection);
    }

    public override ValueTask DisposeAsync()
    {
        Dispose();
        return ValueTask.CompletedTask;
    }

    private protected override async Task PrepareMigrationAsync(CancellationToken ct)
    {
        var directory = Path.GetDirectoryName(DatabasePath);
        if (!string.IsNullOrEmpty(directory))
        {
            Directory.CreateDirectory(directory);
        }
        await using var connection = await OpenSharedConnectionAsync(ct).ConfigureAwait(false);
        // WAL lets readers (the gateway) proceed while a writer (the CLI) commits; the mode is stored in the file.
        await connection.RunAsync("PRAGMA journal_mode = WAL;", null, null, ct).ConfigureAwait(false);
    }

    private protected override async ValueTask<DbConnection> OpenSharedConnectionAsync(CancellationToken ct)
    {
        var connection = new SqliteConnection(_connectionString);
        try
        {
            await connection.OpenAsync(ct).ConfigureAwait(false);
            // Let SQLite itself wait for a lock held by another connection or process instead of failing at once.
            await connection.RunAsync($"PRAGMA busy_timeout = {_busyTimeoutMs};", null, null, ct).ConfigureAwait(false);
            return connection;
        }
        catch
        {
            await connection.DisposeAsync().ConfigureAwait(false);
            throw;
        }
    }
}
