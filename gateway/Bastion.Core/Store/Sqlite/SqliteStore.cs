using Microsoft.Data.Sqlite;

namespace Bastion.Core.Store.Sqlite;

/// <summary>
/// <see cref="IBastionStore"/> on a SQLite file. Each operation opens a (pooled) connection, so one instance
/// is safe to share between threads, and several processes may use the same file: the database is in WAL
/// mode, waits <see cref="SqliteStoreOptions.BusyTimeout"/> for locks, and every read-modify-write runs in a
/// BEGIN IMMEDIATE transaction (taking the write lock up front, which avoids SQLITE_BUSY upgrade deadlocks).
/// Foreign keys are enforced. Open with <see cref="OpenAsync(string, TimeProvider?, CancellationToken)"/>,
/// which also migrates.
/// </summary>
public sealed partial class SqliteStore : SqlStoreBase, IBastionStore, IDisposable
{
    private readonly string _connectionString;
    private readonly string _databasePath;
    private readonly int _busyTimeoutMs;

    /// <summary>Creates the store without touching the file; call <see cref="MigrateAsync"/> before use.</summary>
    public SqliteStore(SqliteStoreOptions options, TimeProvider? timeProvider = null)
        : base(timeProvider ?? TimeProvider.System, t => SqliteValues.Time(t), (reader, ordinal) => ((SqliteDataReader)reader).ReadTime(ordinal),
            ex => ex is SqliteException sqlite && sqlite.IsConstraintViolation())
    {
        ArgumentNullException.ThrowIfNull(options);
        ArgumentException.ThrowIfNullOrEmpty(options.DatabasePath);
        _databasePath = Path.GetFullPath(options.DatabasePath);
        _busyTimeoutMs = (int)Math.Clamp(options.BusyTimeout.TotalMilliseconds, 0, int.MaxValue);
        _connectionString = new SqliteConnectionStringBuilder
        {
            DataSource = _databasePath,
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
    public string DatabasePath => _databasePath;

    /// <inheritdoc />
    public async Task MigrateAsync(CancellationToken ct = default)
    {
        var directory = Path.GetDirectoryName(_databasePath);
        if (!string.IsNullOrEmpty(directory))
        {
            Directory.CreateDirectory(directory);
        }
        await using var connection = await OpenConnectionAsync(ct).ConfigureAwait(false);
        SchemaNotice = await SqliteMigrator.MigrateAsync(connection, _databasePath, Clock, ct).ConfigureAwait(false);
    }

    /// <inheritdoc />
    public string? SchemaNotice { get; private set; }

    /// <summary>The schema version recorded in the database (0 if never migrated).</summary>
    public async Task<int> GetSchemaVersionAsync(CancellationToken ct = default)
    {
        await using var connection = await OpenConnectionAsync(ct).ConfigureAwait(false);
        var exists = await connection.ScalarAsync(
            "SELECT COUNT(*) FROM sqlite_master WHERE type = 'table' AND name = 'schema_migrations';", null, ct).ConfigureAwait(false);
        return Convert.ToInt64(exists) == 0
            ? 0
            : Convert.ToInt32(await connection.ScalarAsync("SELECT COALESCE(MAX(version), 0) FROM schema_migrations;", null, ct).ConfigureAwait(false));
    }

    /// <summary>Closes pooled connections to this file (so it can be moved or deleted).</summary>
    public void Dispose()
    {
        using var connection = new SqliteConnection(_connectionString);
        SqliteConnection.ClearPool(connection);
    }

    /// <inheritdoc />
    public ValueTask DisposeAsync()
    {
        Dispose();
        return ValueTask.CompletedTask;
    }

    private protected override async ValueTask<System.Data.Common.DbConnection> OpenSharedConnectionAsync(CancellationToken ct) =>
        await OpenConnectionAsync(ct).ConfigureAwait(false);

    private async Task<SqliteConnection> OpenConnectionAsync(CancellationToken ct)
    {
        var connection = new SqliteConnection(_connectionString);
        try
        {
            await connection.OpenAsync(ct).ConfigureAwait(false);
            // Let SQLite itself wait for a lock held by another connection or process instead of failing at once.
            await connection.ExecuteAsync($"PRAGMA busy_timeout = {_busyTimeoutMs};", ct).ConfigureAwait(false);
            return connection;
        }
        catch
        {
            await connection.DisposeAsync().ConfigureAwait(false);
            throw;
        }
    }

    /// <summary>BEGIN IMMEDIATE: take the write lock now, so the reads that follow cannot go stale.</summary>
    private static SqliteTransaction BeginWrite(SqliteConnection connection) => connection.BeginTransaction(deferred: false);

    private DateTimeOffset Now => Clock.GetUtcNow();
}
