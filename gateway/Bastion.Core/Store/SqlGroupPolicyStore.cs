namespace Bastion.Core.Store;

/// <summary><see cref="IGroupPolicyStore"/> for both databases: each method is one statement.</summary>
internal sealed class SqlGroupPolicyStore(SqlAccess sql) : IGroupPolicyStore
{
    public async Task SetGroupMfaPolicyAsync(string groupName, string mfaPolicy, CancellationToken ct = default)
    {
        Names.EnsureGroupName(groupName);
        MfaPolicies.EnsureValidForGroup(mfaPolicy);
        await using var connection = await sql.OpenAsync(ct).ConfigureAwait(false);
        // One statement: of two nodes setting the same group at once, the later write wins whole.
        await using var upsert = SqlAccess.Command(connection,
            "INSERT INTO group_policies (group_name, mfa_policy, updated_at) VALUES (@group, @policy, @updated) " +
            "ON CONFLICT (group_name) DO UPDATE SET mfa_policy = excluded.mfa_policy, updated_at = excluded.updated_at;",
            ("@group", groupName), ("@policy", mfaPolicy), ("@updated", sql.Time(sql.Clock.GetUtcNow())));
        await upsert.ExecuteNonQueryAsync(ct).ConfigureAwait(false);
    }

    public async Task<bool> RemoveGroupMfaPolicyAsync(string groupName, CancellationToken ct = default)
    {
        await using var connection = await sql.OpenAsync(ct).ConfigureAwait(false);
        await using var delete = SqlAccess.Command(connection, "DELETE FROM group_policies WHERE group_name = @group;", ("@group", groupName));
        return await delete.ExecuteNonQueryAsync(ct).ConfigureAwait(false) > 0;
    }

    public async Task<IReadOnlyDictionary<string, string>> ListGroupMfaPoliciesAsync(CancellationToken ct = default)
    {
        await using var connection = await sql.OpenAsync(ct).ConfigureAwait(false);
        await using var query = SqlAccess.Command(connection, "SELECT group_name, mfa_policy FROM group_policies;");
        await using var reader = await query.ExecuteReaderAsync(ct).ConfigureAwait(false);
        // Ordinal, as user_groups and access rules compare group names.
        var policies = new Dictionary<string, string>(StringComparer.Ordinal);
        while (await reader.ReadAsync(ct).ConfigureAwait(false))
        {
            policies.Add(reader.GetString(0), reader.GetString(1));
        }
        return policies;
    }
}
