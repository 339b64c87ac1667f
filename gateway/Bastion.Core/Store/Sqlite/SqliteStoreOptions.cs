namespace Bastion.Core.Store.Sqlite;

/// <summary>Settings for <see cref="SqliteStore"/>.</summary>
/// <param name="DatabasePath">The database file, e.g. "data/bastion.db"; its directory is created if missing.</param>
public sealed record SqliteStoreOptions(string DatabasePath)
{
    /// <summary>
    /// How long a statement waits for another connection or process that holds the write lock before failing.
    /// Writes are short, so waiting is almost always the right answer.
    /// </summary>
    public TimeSpan BusyTimeout { get; init; } = TimeSpan.FromSeconds(10);

    /// <summary>Reuse connections between operations (default). Off is only useful to isolate tests.</summary>
    public bool Pooling { get; init; } = true;

    /// <summary>Open without write access and without creating the file (checking a backup must not change it).</summary>
    public bool ReadOnly { get; init; }
}
