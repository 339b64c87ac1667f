namespace Bastion.Core.Store;

/// <summary>
/// The last inventory read of one cloud account, as the gateway saw it. Persisted so the CLI, the admin pages and
/// other gateway nodes see the same snapshot, and so a restarted gateway can serve names before its first refresh.
/// </summary>
/// <param name="InstancesJson">The account's instances, serialized by the inventory that owns their shape.</param>
public sealed record InventoryAccountRecord(
    string AccountId,
    string Alias,
    DateTimeOffset? LastSuccess,
    DateTimeOffset LastAttempt,
    string? LastError,
    int ConsecutiveFailures,
    int InstanceCount,
    string InstancesJson);
