using Bastion.Core.Mfa;
namespace Bastion.Core.Store.Sql;

public abstract partial class SqlStore
{
    public Task<bool> RecordNodeHeartbeatAsync(GatewayNode node, CancellationToken ct = default)
    {
        ArgumentNullException.ThrowIfNull(node);
        ArgumentException.ThrowIfNullOrEmpty(node.NodeId);
        var args = new { node.NodeId, started = D.Time(node.StartedAt), seen = D.Time(node.LastSeen), node.Version, node.Listen };
        return WithConnectionAsync(async connection =>
        {
            // Update first: whether a row was there is the answer. Only this node writes its row, so nothing can slip
            // in between the two statements except a peer's retirement, which the insert then undoes.
            if (await connection.RunAsync("UPDATE gateway_nodes SET started_at = @started, last_seen = @seen, version = @Version, listen = @Listen WHERE node_id = @NodeId;",
                    args, null, ct).ConfigureAwait(false) > 0)
            {
                return true;
            }
            await connection.RunAsync(
                "INSERT INTO gateway_nodes (node_id, started_at, last_seen, version, listen) VALUES (@NodeId, @started, @seen, @Version, @Listen) " +
                "ON CONFLICT (node_id) DO UPDATE SET started_at = excluded.started_at, last_seen = excluded.last_seen, version = excluded.version, listen = excluded.listen;",
                args, null, ct).ConfigureAwait(false);
            return false;
        }, ct);
    }

    public Task<IReadOnlyList<GatewayNode>> ListNodesAsync(CancellationToken ct = default) =>
        WithConnectionAsync(connection => connection.ListAsync("SELECT node_id, started_at, last_seen, version, listen FROM gateway_nodes ORDER BY node_id;", null, null,
            r => new GatewayNode(r.GetString(0), D.ReadTime(r, 1), D.ReadTime(r, 2), r.GetString(3), r.GetString(4)), ct), ct);

    public async Task<bool> TryRetireNodeAsync(string nodeId, DateTimeOffset lastSeenBefore, CancellationToken ct = default) =>
        // One statement decides: the row goes to whichever caller deletes it, and a heartbeat that just arrived keeps it.
        await RunAsync("DELETE FROM gateway_nodes WHERE node_id = @nodeId AND last_seen < @before;", new { nodeId, before = D.Time(lastSeenBefore) }, ct)
            .ConfigureAwait(false) == 1;

    public Task RemoveNodeAsync(string nodeId, CancellationToken ct = default) => RunAsync("DELETE FROM gateway_nodes WHERE node_id = @nodeId;", new { nodeId }, ct);

    public Task SetGroupMfaPolicyAsync(string groupName, string mfaPolicy, CancellationToken ct = default)
    {
        Names.EnsureGroupName(groupName);
        MfaPolicies.EnsureValidForGroup(mfaPolicy);
        // One statement: of two nodes setting the same group at once, the later write wins whole.
        return RunAsync(
            "INSERT INTO group_policies (group_name, mfa_policy, updated_at) VALUES (@groupName, @mfaPolicy, @updated) " +
            "ON CONFLICT (group_name) DO UPDATE SET mfa_policy = excluded.mfa_policy, updated_at = excluded.updated_at;",
            new { groupName, mfaPolicy, updated = D.Time(Now) }, ct);
    }

    public async Task<bool> RemoveGroupMfaPolicyAsync(string groupName, CancellationToken ct = default) =>
        await RunAsync("DELETE FROM group_policies WHERE group_name = @groupName;", new { groupName }, ct).ConfigureAwait(false) > 0;

    public async Task<IReadOnlyDictionary<string, string>> ListGroupMfaPoliciesAsync(CancellationToken ct = default) =>
        // Ordinal, as user_groups and access rules compare group names.
        (await WithConnectionAsync(connection => connection.ValuesAsync<(string Group, string Policy)>("SELECT group_name, mfa_policy FROM group_policies;", null, null, ct), ct)
            .ConfigureAwait(false)).ToDictionary(p => p.Group, p => p.Policy, StringComparer.Ordinal);
}
