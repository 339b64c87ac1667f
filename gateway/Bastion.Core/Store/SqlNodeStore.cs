namespace Bastion.Core.Store;

/// <summary><see cref="INodeStore"/> for both databases: each method is one statement.</summary>
internal sealed class SqlNodeStore(SqlAccess sql) : INodeStore
{
    public async Task<bool> RecordNodeHeartbeatAsync(GatewayNode node, CancellationToken ct = default)
    {
        ArgumentNullException.ThrowIfNull(node);
        ArgumentException.ThrowIfNullOrEmpty(node.NodeId);
        (string, object?)[] values = [("@node", node.NodeId), ("@started", sql.Time(node.StartedAt)), ("@seen", sql.Time(node.LastSeen)), ("@version", node.Version), ("@listen", node.Listen)];
        await using var connection = await sql.OpenAsync(ct).ConfigureAwait(false);
        // Update first: whether a row was there is the answer. Only this node writes its row, so nothing can slip
        // in between the two statements except a peer's retirement, which the insert then undoes.
        await using var update = SqlAccess.Command(connection,
            "UPDATE gateway_nodes SET started_at = @started, last_seen = @seen, version = @version, listen = @listen WHERE node_id = @node;", values);
        if (await update.ExecuteNonQueryAsync(ct).ConfigureAwait(false) > 0)
        {
            return true;
        }
        await using var insert = SqlAccess.Command(connection,
            "INSERT INTO gateway_nodes (node_id, started_at, last_seen, version, listen) VALUES (@node, @started, @seen, @version, @listen) " +
            "ON CONFLICT (node_id) DO UPDATE SET started_at = excluded.started_at, last_seen = excluded.last_seen, version = excluded.version, listen = excluded.listen;", values);
        await insert.ExecuteNonQueryAsync(ct).ConfigureAwait(false);
        return false;
    }

    public async Task<IReadOnlyList<GatewayNode>> ListNodesAsync(CancellationToken ct = default)
    {
        await using var connection = await sql.OpenAsync(ct).ConfigureAwait(false);
        await using var query = SqlAccess.Command(connection, "SELECT node_id, started_at, last_seen, version, listen FROM gateway_nodes ORDER BY node_id;");
        await using var reader = await query.ExecuteReaderAsync(ct).ConfigureAwait(false);
        var nodes = new List<GatewayNode>();
        while (await reader.ReadAsync(ct).ConfigureAwait(false))
        {
            nodes.Add(new GatewayNode(reader.GetString(0), sql.ReadTime(reader, 1), sql.ReadTime(reader, 2), reader.GetString(3), reader.GetString(4)));
        }
        return nodes;
    }

    public async Task<bool> TryRetireNodeAsync(string nodeId, DateTimeOffset lastSeenBefore, CancellationToken ct = default)
    {
        await using var connection = await sql.OpenAsync(ct).ConfigureAwait(false);
        // One statement decides: the row goes to whichever caller deletes it, and a heartbeat that just arrived keeps it.
        await using var delete = SqlAccess.Command(connection, "DELETE FROM gateway_nodes WHERE node_id = @node AND last_seen < @before;",
            ("@node", nodeId), ("@before", sql.Time(lastSeenBefore)));
        return await delete.ExecuteNonQueryAsync(ct).ConfigureAwait(false) == 1;
    }

    public async Task RemoveNodeAsync(string nodeId, CancellationToken ct = default)
    {
        await using var connection = await sql.OpenAsync(ct).ConfigureAwait(false);
        await using var delete = SqlAccess.Command(connection, "DELETE FROM gateway_nodes WHERE node_id = @node;", ("@node", nodeId));
        await delete.ExecuteNonQueryAsync(ct).ConfigureAwait(false);
    }
}
