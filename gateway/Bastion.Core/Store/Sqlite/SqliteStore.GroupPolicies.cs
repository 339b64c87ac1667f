namespace Bastion.Core.Store.Sqlite;

// Placeholder until the group policy table lands (migration 8).
public sealed partial class SqliteStore
{
    public Task SetGroupMfaPolicyAsync(string groupName, string mfaPolicy, CancellationToken ct = default) => throw new NotImplementedException();
    public Task<bool> RemoveGroupMfaPolicyAsync(string groupName, CancellationToken ct = default) => throw new NotImplementedException();
    public Task<IReadOnlyDictionary<string, string>> ListGroupMfaPoliciesAsync(CancellationToken ct = default) => throw new NotImplementedException();
}
