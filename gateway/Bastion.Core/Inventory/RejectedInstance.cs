namespace Bastion.Core.Inventory;

/// <summary>
/// A cloud instance, or only its Name tag, that the inventory refuses to use, and why. Developer accounts are run by
/// developers, so what they tag and which addresses they pick is checked before a name or an address is trusted.
/// </summary>
/// <param name="Instance">The instance as a target would describe it (its Name is the instance id when the tag was refused).</param>
/// <param name="Reason">One sentence: what is wrong and what to change.</param>
/// <param name="IsTarget">True when only the Name tag was refused: the instance is still reachable by id, private DNS name or address.</param>
public sealed record RejectedInstance(ResolvedTarget Instance, string Reason, bool IsTarget);

/// <summary>A cloud account as the index knows it: its alias and how fresh its instance list is.</summary>
/// <param name="LastSuccess">End of the last refresh that read the account; null when none did.</param>
/// <param name="LastError">Why the latest refresh failed, while no later one succeeded.</param>
public sealed record InventoryAccount(string Id, string Alias, DateTimeOffset? LastSuccess, string? LastError);
