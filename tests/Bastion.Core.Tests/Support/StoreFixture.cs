using Bastion.Core.Store;
using Bastion.Core.Store.Sqlite;

namespace Bastion.Core.Tests.Support;

/// <summary>A migrated SQLite store in its own temp directory, with a manual clock.</summary>
public sealed class StoreFixture : IAsyncDisposable
{
    private readonly List<SqliteStore> _stores = [];

    private StoreFixture(TempDirectory directory, ManualTimeProvider time)
    {
        Directory = directory;
        Time = time;
    }

    public TempDirectory Directory { get; }

    public ManualTimeProvider Time { get; }

    public string DatabasePath => Directory.File("bastion.db");

    public SqliteStore Store => _stores[0];

    public static async Task<StoreFixture> CreateAsync()
    {
        var fixture = new StoreFixture(new TempDirectory(), new ManualTimeProvider());
        await fixture.OpenAnotherAsync();
        return fixture;
    }

    /// <summary>A second, independent store on the same file (what a second process would have).</summary>
    public async Task<SqliteStore> OpenAnotherAsync(bool pooling = true)
    {
        var store = await SqliteStore.OpenAsync(new SqliteStoreOptions(DatabasePath) { Pooling = pooling }, Time);
        _stores.Add(store);
        return store;
    }

    public Task<User> AddUserAsync(string name, params string[] groups) =>
        Store.AddUserAsync(new NewUser(name) { Groups = groups });

    public ValueTask DisposeAsync()
    {
        foreach (var store in _stores)
        {
            store.Dispose();
        }
        Directory.Dispose();
        return ValueTask.CompletedTask;
    }
}
