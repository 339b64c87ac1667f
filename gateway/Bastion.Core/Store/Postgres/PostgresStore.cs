using System.Data.Common;
using System.Net.Sockets;
using Bastion.Core.Store.Sql;
using Npgsql;

namespace Bastion.Core.Store.Postgres;

/// <summary>
/// <see cref="IBastionStore"/> on PostgreSQL, for several gateway nodes (and the admin app) sharing one database:
/// <see cref="SqlStore"/> with connections from one <see cref="NpgsqlDataSource"/>. Rules that must hold across nodes
/// are kept by the database: single conditional UPDATEs for single-use values, unique constraints for names (a lost
/// race becomes <see cref="StoreConflictException"/>), a row lock on the user for read-modify-write of a user's rows,
/// and transaction-scoped advisory locks (audit appends take turns on one hash chain). Open with <see cref="OpenAsync"/>,
/// which also migrates.
/// </summary>
public sealed class PostgresStore : SqlStore, IDisposable
{
    private readonly NpgsqlDataSource _dataSource;
    private readonly string _where;

    /// <summary>Creates the store without connecting; call <see cref="SqlStore.MigrateAsync"/> before use.</summary>
    public PostgresStore(PostgresStoreOptions options, TimeProvider? timeProvider = null)
        : base(PostgresDialect.Instance, timeProvider)
    {
        ArgumentNullException.ThrowIfNull(options);
        if (options.Problem() is { } problem)
        {
            throw new ArgumentException($"invalid PostgreSQL store settings: {problem}", nameof(options));
        }
        var builder = new NpgsqlDataSourceBuilder(options.ConnectionString);
        if (string.IsNullOrEmpty(builder.ConnectionStringBuilder.ApplicationName))
        {
            builder.ConnectionStringBuilder.ApplicationName = "bastion";
        }
        _dataSource = builder.Build();
        _where = options.Describe();
    }

    /// <summary>
    /// Connects, migrates, and returns the store. Throws <see cref="StoreUnavailableException"/> (naming server,
    /// database and user, never the password) when the server cannot be reached or refuses the login.
    /// </summary>
    public static async Task<PostgresStore> OpenAsync(PostgresStoreOptions options, TimeProvider? timeProvider = null, CancellationToken ct = default)
    {
        var store = new PostgresStore(options, timeProvider);
        try
        {
            await store.MigrateAsync(ct).ConfigureAwait(false);
            return store;
        }
        catch (Exception ex) when (ex is NpgsqlException or SocketException or TimeoutException)
        {
            await store.DisposeAsync().ConfigureAwait(false);
            throw new StoreUnavailableException(
                $"cannot open the store on {store._where}: {Reason(ex)}. Check that the server runs and accepts this user, " +
                "and Bastion:Store:ConnectionString (or ConnectionStringFile)", ex);
        }
        catch
        {
            await store.DisposeAsync().ConfigureAwait(false);
            throw;
        }
    }

    /// <summary>Where the store lives (server, database, user), without the password.</summary>
    public string Description => _where;

    private protected override string Where => _where;

    /// <summary>Closes the pooled connections.</summary>
    public void Dispose() => _dataSource.Dispose();

    public override ValueTask DisposeAsync() => _dataSource.DisposeAsync();

    private protected override async ValueTask<DbConnection> OpenSharedConnectionAsync(CancellationToken ct) =>
        await _dataSource.OpenConnectionAsync(ct).ConfigureAwait(false);

    /// <summary>Npgsql's messages name the address and the server's complaint, never the password.</summary>
    private static string Reason(Exception ex) => ex switch
    {
        PostgresException pg => $"{pg.MessageText} (SQLSTATE {pg.SqlState})",
        NpgsqlException { InnerException: { } inner } npgsql when inner is SocketException or TimeoutException or IOException => $"{npgsql.Message}: {inner.Message}",
        _ => ex.Message,
    };
}
