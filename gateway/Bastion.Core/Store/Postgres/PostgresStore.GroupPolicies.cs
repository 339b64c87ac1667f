namespace Bastion.Core.Store.Postgres;

public sealed partial class PostgresStore
{
    /// <inheritdoc />
    public Task SetGroupMfaPolicyAsync(string groupName, string mfaPolicy, CancellationToken ct = default) =>
        _groupPolicies.SetGroupMfaPolicyAsync(groupName, mfaPolicy, ct);

    /// <inheritdoc />
    public Task<bool> RemoveGroupMfaPolicyAsync(string groupName, CancellationToken ct = default) => _groupPolicies.RemoveGroupMfaPolicyAsync(groupName, ct);

    /// <inheritdoc />
    public Task<IReadOnlyDictionary<string, string>> ListGroupMfaPoliciesAsync(CancellationToken ct = default) => _groupPolicies.ListGroupMfaPoliciesAsync(ct);
}
