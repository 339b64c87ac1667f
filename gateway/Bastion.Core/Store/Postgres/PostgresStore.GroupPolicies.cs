namespace Bastion.Core.Store.Postgres;

// Placeholder until the group policy table lands (migration 8).
public sealed partial class PostgresStore
{
    public Task SetGroupMfaPolicyAsync(string groupName, string mfaPolicy, CancellationToken ct = default) => throw new NotImplementedException();
    public Task<bool> RemoveGroupMfaPolicyAsync(string groupName, CancellationToken ct = default) => throw new NotImplementedException();
    public Task<IReadOnlyDictionary<string, string>> ListGroupMfaPoliciesAsync(CancellationToken ct = default) => throw new NotImplementedException();
}
