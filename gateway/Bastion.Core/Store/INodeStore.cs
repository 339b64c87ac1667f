namespace Bastion.Core.Store;

/// <summary>
/// Gateway nodes' heartbeats. A node that stops them (crashed, or removed by autoscaling and never coming back)
/// is retired by one of the others, which then takes over what it left: open sessions and unsealed recordings.
/// </summary>
public interface INodeStore
{
    /// <summary>
    /// Refreshes the node's row, or inserts it. True when the row was there: false for a node's first beat, and for a
    /// running node only when a peer retired it meanwhile (it could not reach the store for the dead-after time).
    /// </summary>
    Task<bool> RecordNodeHeartbeatAsync(GatewayNode node, CancellationToken ct = default);

    /// <summary>Every node that has a row, by id.</summary>
    Task<IReadOnlyList<GatewayNode>> ListNodesAsync(CancellationToken ct = default);

    /// <summary>
    /// Deletes the node's row if its last heartbeat is older than <paramref name="lastSeenBefore"/>. True for exactly
    /// one caller however many nodes try at once: that one takes over the node's leftovers.
    /// </summary>
    Task<bool> TryRetireNodeAsync(string nodeId, DateTimeOffset lastSeenBefore, CancellationToken ct = default);

    /// <summary>Deletes the node's row (a clean shutdown: nothing is left to take over).</summary>
    Task RemoveNodeAsync(string nodeId, CancellationToken ct = default);
}
