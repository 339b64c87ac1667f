using Bastion.Core.Inventory;

namespace Bastion.Core.Store;

public interface IInventoryStore
{
    /// <summary>Replaces the saved state of one account.</summary>
    Task SaveInventoryAccountAsync(InventoryAccountRecord account, CancellationToken ct = default);

    Task<IReadOnlyList<InventoryAccountRecord>> ListInventoryAccountsAsync(CancellationToken ct = default);

    /// <summary>
    /// Makes the stored findings of <paramref name="kind"/> those of <paramref name="current"/>: adds the new ones and
    /// removes those no longer found. Each finding is opened and closed by exactly one call, whichever node makes it,
    /// so the caller raises an event for each finding in the result and no finding is raised twice.
    /// </summary>
    Task<InventoryFindingChanges> SyncInventoryFindingsAsync(string kind, IReadOnlyList<InventoryFinding> current, CancellationToken ct = default);

    /// <summary>Every finding that holds, oldest first.</summary>
    Task<IReadOnlyList<InventoryFinding>> ListInventoryFindingsAsync(CancellationToken ct = default);
}

/// <summary>What one <see cref="IInventoryStore.SyncInventoryFindingsAsync"/> call opened and closed.</summary>
public sealed record InventoryFindingChanges(IReadOnlyList<InventoryFinding> Opened, IReadOnlyList<InventoryFinding> Closed);
