using Bastion.Core.Store;
using Bastion.Core.Store.Sqlite;

namespace Bastion.Core.Tests.Support;

/// <summary>
/// A migrated store on a database of its own (a SQLite file in a temp directory, or a fresh PostgreSQL database),
/// with a manual clock and a temp directory for key files.
/// </summary>
public sealed class StoreFixture : IAsyncDisposable
{
    private readonly ITestDatabase _database;
    private readonly List<IBastionStore> _stores = [];

    private StoreFixture(StoreProvider provider, TempDirectory directory, ITestDatabase database, ManualTimeProvider time)
    {
        Provider = provider;
        Directory = directory;
        _database = database;
        Time = time;
    }

    public StoreProvider Provider { get; }

    public TempDirectory Directory { get; }

    public ManualTimeProvider Time { get; }

    public IBastionStore Store => _stores[0];

    /// <summary>The SQLite store, for SQLite-only tests.</summary>
    public SqliteStore Sqlite => Store as SqliteStore ?? throw new InvalidOperationException("this fixture is not on SQLite");

    /// <summary>The SQLite file, for SQLite-only tests.</summary>
    public string DatabasePath => (_database as SqliteTestDatabase)?.Path ?? throw new InvalidOperationException("this fixture is not on SQLite");

    /// <summary>The PostgreSQL database's connection string, for PostgreSQL-only tests.</summary>
    public string PostgresConnectionString => (_database as PostgresTestDatabase)?.ConnectionString ?? throw new InvalidOperationException("this fixture is not on PostgreSQL");

    public static async Task<StoreFixture> CreateAsync(StoreProvider provider = StoreProvider.Sqlite)
    {
        var directory = new TempDirectory();
        try
        {
            ITestDatabase database = provider == StoreProvider.Postgres
                ? await PostgresTestDatabase.CreateAsync()
                : new SqliteTestDatabase(directory.File("bastion.db"));
            var fixture = new StoreFixture(provider, directory, database, new ManualTimeProvider());
            try
            {
                await fixture.OpenAnotherAsync();
                return fixture;
            }
            catch
            {
                await fixture.DisposeAsync();
                throw;
            }
        }
        catch
        {
            directory.Dispose();
            throw;
        }
    }

    /// <summary>
    /// A second, independent store on the same database (what a second process or gateway node would have: its own
    /// connection pool, or none).
    /// </summary>
    public async Task<IBastionStore> OpenAnotherAsync(bool pooling = true)
    {
        var store = await _database.OpenStoreAsync(Time, pooling);
        _stores.Add(store);
        return store;
    }

    /// <summary>Runs SQL behind the store's back (tampering tests); @name parameters work on both databases.</summary>
    public Task ExecuteSqlAsync(string sql, params (string Name, object Value)[] parameters) => _database.ExecuteSqlAsync(sql, parameters);

    public Task<User> AddUserAsync(string name, params string[] groups) =>
        Store.AddUserAsync(new NewUser(name) { Groups = groups });

    public async ValueTask DisposeAsync()
    {
        foreach (var store in _stores)
        {
            await store.DisposeAsync();
        }
        await _database.DisposeAsync();
        Directory.Dispose();
    }
}
