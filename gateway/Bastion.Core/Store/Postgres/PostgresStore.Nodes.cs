namespace Bastion.Core.Store.Postgres;

public sealed partial class PostgresStore
{
    /// <inheritdoc />
    public async Task RecordNodeHeartbeatAsync(GatewayNode node, CancellationToken ct = default)
    {
        ArgumentNullException.ThrowIfNull(node);
        ArgumentException.ThrowIfNullOrEmpty(node.NodeId);
        await using var connection = await OpenConnectionAsync(ct).ConfigureAwait(false);
        await using var upsert = connection.Command(
                "INSERT INTO gateway_nodes (node_id, started_at, last_seen, version, listen) VALUES (@node, @started, @seen, @version, @listen) " +
                "ON CONFLICT (node_id) DO UPDATE SET started_at = excluded.started_at, last_seen = excluded.last_seen, version = excluded.version, listen = excluded.listen;")
            .Add("@node", node.NodeId).Add("@started", PostgresValues.Time(node.StartedAt)).Add("@seen", PostgresValues.Time(node.LastSeen))
            .Add("@version", node.Version).Add("@listen", node.Listen);
        await upsert.ExecuteNonQueryAsync(ct).ConfigureAwait(false);
    }

    /// <inheritdoc />
    public async Task<IReadOnlyList<GatewayNode>> ListNodesAsync(CancellationToken ct = default)
    {
        await using var connection = await OpenConnectionAsync(ct).ConfigureAwait(false);
        await using var query = connection.Command("SELECT node_id, started_at, last_seen, version, listen FROM gateway_nodes ORDER BY node_id;");
        await using var reader = await query.ExecuteReaderAsync(ct).ConfigureAwait(false);
        var nodes = new List<GatewayNode>();
        while (await reader.ReadAsync(ct).ConfigureAwait(false))
        {
            nodes.Add(new GatewayNode(reader.GetString(0), reader.ReadTime(1), reader.ReadTime(2), reader.GetString(3), reader.GetString(4)));
        }
        return nodes;
    }

    /// <inheritdoc />
    public async Task<bool> TryRetireNodeAsync(string nodeId, DateTimeOffset lastSeenBefore, CancellationToken ct = default)
    {
        await using var connection = await OpenConnectionAsync(ct).ConfigureAwait(false);
        // One statement decides: the row goes to whichever caller deletes it, and a heartbeat that just arrived keeps it.
        await using var delete = connection.Command("DELETE FROM gateway_nodes WHERE node_id = @node AND last_seen < @before;")
            .Add("@node", nodeId).Add("@before", PostgresValues.Time(lastSeenBefore));
        return await delete.ExecuteNonQueryAsync(ct).ConfigureAwait(false) == 1;
    }

    /// <inheritdoc />
    public async Task RemoveNodeAsync(string nodeId, CancellationToken ct = default)
    {
        await using var connection = await OpenConnectionAsync(ct).ConfigureAwait(false);
        await using var delete = connection.Command("DELETE FROM gateway_nodes WHERE node_id = @node;").Add("@node", nodeId);
        await delete.ExecuteNonQueryAsync(ct).ConfigureAwait(false);
    }
}
