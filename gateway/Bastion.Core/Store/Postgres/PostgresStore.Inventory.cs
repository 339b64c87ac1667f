namespace Bastion.Core.Store.Postgres;

public sealed partial class PostgresStore
{
    /// <inheritdoc />
    public Task SaveInventoryAccountAsync(InventoryAccountRecord account, CancellationToken ct = default) => _inventory.SaveInventoryAccountAsync(account, ct);

    /// <inheritdoc />
    public Task<IReadOnlyList<InventoryAccountRecord>> ListInventoryAccountsAsync(CancellationToken ct = default) => _inventory.ListInventoryAccountsAsync(ct);
}
