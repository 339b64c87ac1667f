using Bastion.Core.Store;

namespace Bastion.Core.Tests.Support;

/// <summary>A database private to one fixture, and raw access to it for tests that tamper with rows.</summary>
internal interface ITestDatabase : IAsyncDisposable
{
    /// <summary>A new, migrated store instance on this database: what another gateway node would have.</summary>
    Task<IBastionStore> OpenStoreAsync(TimeProvider time, bool pooling);

    /// <summary>Runs SQL outside the store (named parameters as @name work on both databases).</summary>
    Task ExecuteSqlAsync(string sql, IReadOnlyList<(string Name, object Value)> parameters);
}
