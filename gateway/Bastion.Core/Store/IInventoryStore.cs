namespace Bastion.Core.Store;

public interface IInventoryStore
{
    /// <summary>Replaces the saved state of one account.</summary>
    Task SaveInventoryAccountAsync(InventoryAccountRecord account, CancellationToken ct = default);

    Task<IReadOnlyList<InventoryAccountRecord>> ListInventoryAccountsAsync(CancellationToken ct = default);
}
