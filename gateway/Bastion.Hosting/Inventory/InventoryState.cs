using System.Text.Json;
using Bastion.Core.Inventory;
using Bastion.Core.Store;
using Bastion.Hosting.Inventory.Ec2;

namespace Bastion.Hosting.Inventory;

/// <summary>One account's inventory as last seen, whether read live or from the store.</summary>
public sealed record InventoryAccountView(string AccountId, string Alias, int InstanceCount, DateTimeOffset? LastSuccess, DateTimeOffset? LastAttempt, string? LastError, int ConsecutiveFailures)
{
    public bool IsStale => ConsecutiveFailures > 0;
}

/// <summary>
/// The instance index connections resolve against, swapped atomically when the inventory changes. It starts from the
/// snapshot saved in the store, so a restarted gateway serves names before its first refresh, and the CLI sees what
/// the gateway saw.
/// </summary>
public sealed class InventoryState
{
    private static readonly JsonSerializerOptions Json = new(JsonSerializerDefaults.Web);

    private readonly InventoryAddressPolicy _policy;
    private volatile InstanceIndex _index = InstanceIndex.Empty;
    private volatile IReadOnlyList<InventoryAccountView> _accounts = [];
    private volatile IReadOnlyList<ResolvedTarget> _statics = [];
    private readonly Lock _swapping = new();
    private long? _servedVersion;

    /// <param name="policy">Which instance addresses may be dialled (from the account ranges and protected ranges).</param>
    public InventoryState(InventoryAddressPolicy policy) => _policy = policy;

    public InstanceIndex Index => _index;

    public IReadOnlyList<InventoryAccountView> Accounts => _accounts;

    /// <summary>
    /// The static targets as last read from the store, for readers that cannot read it per query (the DNS responder);
    /// SSH reads them per connection.
    /// </summary>
    public IReadOnlyList<ResolvedTarget> Statics
    {
        get => _statics;
        set => _statics = value ?? [];
    }

    public void LoadFrom(IReadOnlyList<InventoryAccountRecord> records)
    {
        _index = InstanceTargets.Index(
            records.Select(r => new AccountInstances(r.AccountId, r.Alias, Deserialize(r.InstancesJson), r.LastSuccess, r.LastError)).ToList(), _policy);
        _accounts = records.Select(r => new InventoryAccountView(r.AccountId, r.Alias, r.InstanceCount, r.LastSuccess, r.LastAttempt, r.LastError, r.ConsecutiveFailures)).ToList();
    }

    /// <summary>
    /// Serves <paramref name="snapshot"/> unless a newer one is already served. Refreshing threads call this side by
    /// side and may arrive out of order; without the check an older snapshot finishing last would hide instances the
    /// newer one had until the next refresh. Returns whether it was taken.
    /// </summary>
    public bool Update(Ec2Snapshot snapshot)
    {
        var index = InstanceTargets.Index(
            snapshot.Accounts.Select(a => new AccountInstances(a.Account.Id, a.Account.Alias, a.Instances, a.LastSuccess, a.LastError)).ToList(), _policy);
        var accounts = snapshot.Accounts.Select(View).ToList();
        lock (_swapping)
        {
            if (_servedVersion is { } served && snapshot.Version <= served)
            {
                return false;
            }
            _servedVersion = snapshot.Version;
            _index = index;
            _accounts = accounts;
            return true;
        }
    }

    public static InventoryAccountRecord ToRecord(Ec2AccountStatus status) => new(
        status.Account.Id, status.Account.Alias, status.LastSuccess, status.LastAttempt ?? DateTimeOffset.MinValue, Problem(status),
        status.ConsecutiveFailures, status.Instances.Count, JsonSerializer.Serialize(status.Instances, Json));

    private static InventoryAccountView View(Ec2AccountStatus a) =>
        new(a.Account.Id, a.Account.Alias, a.Instances.Count, a.LastSuccess, a.LastAttempt, Problem(a), a.ConsecutiveFailures);

    /// <summary>
    /// What the status command and the admin page show as the account's last error: the failed refresh, or else
    /// security groups that could not be read. The latter does not make the account stale (its instances are fresh),
    /// but whoever reads the status must learn that its instances are not checked for SSH open to the internet.
    /// </summary>
    private static string? Problem(Ec2AccountStatus status) => status.LastError ?? status.SecurityGroupsError;

    /// <summary>Reads saved instances; JSON saved before a field existed reads with that field's default.</summary>
    public static IReadOnlyList<Ec2Instance> Deserialize(string json) =>
        JsonSerializer.Deserialize<List<Ec2Instance>>(json, Json) ?? [];
}
