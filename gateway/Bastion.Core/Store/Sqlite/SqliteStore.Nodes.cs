namespace Bastion.Core.Store.Sqlite;

public sealed partial class SqliteStore
{
    /// <inheritdoc />
    public Task<bool> RecordNodeHeartbeatAsync(GatewayNode node, CancellationToken ct = default) => _nodes.RecordNodeHeartbeatAsync(node, ct);

    /// <inheritdoc />
    public Task<IReadOnlyList<GatewayNode>> ListNodesAsync(CancellationToken ct = default) => _nodes.ListNodesAsync(ct);

    /// <inheritdoc />
    public Task<bool> TryRetireNodeAsync(string nodeId, DateTimeOffset lastSeenBefore, CancellationToken ct = default) =>
        _nodes.TryRetireNodeAsync(nodeId, lastSeenBefore, ct);

    /// <inheritdoc />
    public Task RemoveNodeAsync(string nodeId, CancellationToken ct = default) => _nodes.RemoveNodeAsync(nodeId, ct);
}
