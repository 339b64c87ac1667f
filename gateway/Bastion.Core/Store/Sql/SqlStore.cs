using System.Data.Common;

namespace Bastion.Core.Store.Sql;

/// <summary>
/// <see cref="IBastionStore"/> in SQL, each query written once for SQLite and PostgreSQL; what differs between them
/// is the <see cref="SqlDialect"/>. Each operation takes a (pooled) connection of its own, so one instance is safe to
/// share between threads, and several processes or nodes may share the database: every rule that must hold across
/// them is kept by the database (single conditional statements for single-use values, unique keys for names, the
/// dialect's write transactions and locks for read-modify-write), never by a lock in this process.
/// <see cref="Sqlite.SqliteStore"/> and <see cref="Postgres.PostgresStore"/> supply the connections. The public
/// members implement the store interfaces and are documented there.
/// </summary>
public abstract partial class SqlStore : IBastionStore
{
    private protected SqlStore(SqlDialect dialect, TimeProvider? clock)
    {
        D = dialect;
        Clock = clock ?? TimeProvider.System;
    }

    private protected SqlDialect D { get; }

    /// <summary>The store's clock.</summary>
    private protected TimeProvider Clock { get; }

    /// <summary>An open connection of the derived store, set up as its operations need it.</summary>
    private protected abstract ValueTask<DbConnection> OpenSharedConnectionAsync(CancellationToken ct);

    /// <summary>Where the database is, for messages (a file path, or server, database and user without the password).</summary>
    private protected abstract string Where { get; }

    public string? SchemaNotice { get; private set; }

    public async Task MigrateAsync(CancellationToken ct = default)
    {
        await PrepareMigrationAsync(ct).ConfigureAwait(false);
        await using var connection = await OpenSharedConnectionAsync(ct).ConfigureAwait(false);
        SchemaNotice = await SchemaMigrator.MigrateAsync(connection, D, Where, Clock, ct).ConfigureAwait(false);
    }

    /// <summary>The schema version recorded in the database (0 if never migrated).</summary>
    public async Task<int> GetSchemaVersionAsync(CancellationToken ct = default)
    {
        await using var connection = await OpenSharedConnectionAsync(ct).ConfigureAwait(false);
        return await SchemaMigrator.VersionAsync(connection, D, ct).ConfigureAwait(false);
    }

    public abstract ValueTask DisposeAsync();

    /// <summary>What the database needs before the first step runs, outside any transaction.</summary>
    private protected virtual Task PrepareMigrationAsync(CancellationToken ct) => Task.CompletedTask;

    private protected DateTimeOffset Now => Clock.GetUtcNow();

    /// <summary>Runs <paramref name="work"/> in the dialect's write transaction and commits it.</summary>
    private protected Task<T> WriteAsync<T>(Func<DbConnection, DbTransaction, Task<T>> work, CancellationToken ct) => InTransactionAsync(D.BeginWriteAsync, work, ct);

    /// <summary>Runs <paramref name="work"/> in a transaction that reads one snapshot.</summary>
    private protected Task<T> ReadSnapshotAsync<T>(Func<DbConnection, DbTransaction, Task<T>> work, CancellationToken ct) => InTransactionAsync(D.BeginSnapshotAsync, work, ct);

    private async Task<T> InTransactionAsync<T>(
        Func<DbConnection, CancellationToken, ValueTask<DbTransaction>> begin, Func<DbConnection, DbTransaction, Task<T>> work, CancellationToken ct)
    {
        await using var connection = await OpenSharedConnectionAsync(ct).ConfigureAwait(false);
        await using var tx = await begin(connection, ct).ConfigureAwait(false);
        var result = await work(connection, tx).ConfigureAwait(false);
        await tx.CommitAsync(ct).ConfigureAwait(false);
        return result;
    }

    /// <summary>Runs <paramref name="work"/> on a connection of its own, outside a transaction.</summary>
    private protected async Task<T> WithConnectionAsync<T>(Func<DbConnection, Task<T>> work, CancellationToken ct)
    {
        await using var connection = await OpenSharedConnectionAsync(ct).ConfigureAwait(false);
        return await work(connection).ConfigureAwait(false);
    }

    /// <summary>Runs one statement on a connection of its own; the number of rows it changed.</summary>
    private protected Task<int> RunAsync(string sql, object? args, CancellationToken ct) =>
        WithConnectionAsync(connection => connection.RunAsync(sql, args, null, ct), ct);

    /// <summary>
    /// Runs <paramref name="statement"/>; a unique or foreign-key violation becomes the exception the caller names
    /// (on SQLite a write transaction has usually checked first; on PostgreSQL another node can win in between).
    /// </summary>
    private protected async Task<T> RefusingAsync<T>(Func<Task<T>> statement, Func<Exception>? onDuplicate, Func<Exception>? onMissingUser = null)
    {
        try
        {
            return await statement().ConfigureAwait(false);
        }
        catch (DbException ex) when (onDuplicate is not null && D.IsUniqueViolation(ex))
        {
            throw onDuplicate();
        }
        catch (DbException ex) when (onMissingUser is not null && D.IsForeignKeyViolation(ex))
        {
            throw onMissingUser();
        }
    }
}
