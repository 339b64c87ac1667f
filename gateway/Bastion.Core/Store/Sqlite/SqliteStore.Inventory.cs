namespace Bastion.Core.Store.Sqlite;

public sealed partial class SqliteStore
{
    /// <inheritdoc />
    public Task SaveInventoryAccountAsync(InventoryAccountRecord account, CancellationToken ct = default) => _inventory.SaveInventoryAccountAsync(account, ct);

    /// <inheritdoc />
    public Task<IReadOnlyList<InventoryAccountRecord>> ListInventoryAccountsAsync(CancellationToken ct = default) => _inventory.ListInventoryAccountsAsync(ct);
}
