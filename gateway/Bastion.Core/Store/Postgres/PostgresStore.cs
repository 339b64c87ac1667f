using System.Net.Sockets;
using Npgsql;

namespace Bastion.Core.Store.Postgres;

/// <summary>
/// <see cref="IBastionStore"/> on PostgreSQL, for several gateway nodes (and the admin app) sharing one database.
/// Each operation takes a pooled connection from one <see cref="NpgsqlDataSource"/>, so an instance is safe to share
/// between threads. Every rule that must hold across nodes is enforced by the database, never by a lock in this
/// process: single conditional UPDATEs for single-use values (TOTP steps, counters, invites, approvals), unique
/// constraints for names (a lost race becomes <see cref="StoreConflictException"/>), a row lock on the user for
/// read-modify-write of a user's rows, and a transaction-scoped advisory lock that makes audit appends from all
/// nodes take turns on one hash chain. Open with <see cref="OpenAsync"/>, which also migrates.
/// </summary>
public sealed partial class PostgresStore : SqlStoreBase, IBastionStore, IDisposable
{
    private readonly NpgsqlDataSource _dataSource;
    private readonly string _where;

    /// <summary>Creates the store without connecting; call <see cref="MigrateAsync"/> before use.</summary>
    public PostgresStore(PostgresStoreOptions options, TimeProvider? timeProvider = null)
        : base(timeProvider ?? TimeProvider.System, t => PostgresValues.Time(t), (reader, ordinal) => ((NpgsqlDataReader)reader).ReadTime(ordinal),
            ex => ex is PostgresException pg && pg.IsForeignKeyViolation())
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

    /// <inheritdoc />
    public async Task MigrateAsync(CancellationToken ct = default) =>
        SchemaNotice = await PostgresMigrator.MigrateAsync(_dataSource, _where, Clock, ct).ConfigureAwait(false);

    /// <inheritdoc />
    public string? SchemaNotice { get; private set; }

    /// <summary>The schema version recorded in the database (0 if never migrated).</summary>
    public async Task<int> GetSchemaVersionAsync(CancellationToken ct = default)
    {
        await using var connection = await OpenConnectionAsync(ct).ConfigureAwait(false);
        var exists = await connection.ScalarAsync("SELECT to_regclass('schema_migrations') IS NOT NULL;", null, ct).ConfigureAwait(false);
        return exists is true
            ? Convert.ToInt32(await connection.ScalarAsync("SELECT COALESCE(MAX(version), 0) FROM schema_migrations;", null, ct).ConfigureAwait(false))
            : 0;
    }

    /// <summary>Closes the pooled connections.</summary>
    public void Dispose() => _dataSource.Dispose();

    /// <inheritdoc />
    public ValueTask DisposeAsync() => _dataSource.DisposeAsync();

    private protected override async ValueTask<System.Data.Common.DbConnection> OpenSharedConnectionAsync(CancellationToken ct) =>
        await OpenConnectionAsync(ct).ConfigureAwait(false);

    private ValueTask<NpgsqlConnection> OpenConnectionAsync(CancellationToken ct) => _dataSource.OpenConnectionAsync(ct);

    private DateTimeOffset Now => Clock.GetUtcNow();

    /// <summary>Npgsql's messages name the address and the server's complaint, never the password.</summary>
    private static string Reason(Exception ex) => ex switch
    {
        PostgresException pg => $"{pg.MessageText} (SQLSTATE {pg.SqlState})",
        NpgsqlException { InnerException: { } inner } npgsql when inner is SocketException or TimeoutException or IOException => $"{npgsql.Message}: {inner.Message}",
        _ => ex.Message,
    };
}
