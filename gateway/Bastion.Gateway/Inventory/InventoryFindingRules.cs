using System.Globalization;
using System.Net;
using Bastion.Core.Inventory;

namespace Bastion.Gateway.Inventory;

/// <summary>The findings an index holds: instances or Name tags refused, and addresses with more than one owner.</summary>
public static class InventoryFindingRules
{
    public static IReadOnlyList<InventoryFinding> Rejected(InstanceIndex index) => index.Rejected
        .Select(r =>
        {
            var instance = r.Instance.Instance!;
            var what = r.IsTarget ? r.Reason : $"not a target: {r.Reason}";
            return new InventoryFinding(InventoryFindingKinds.InstanceRejected, instance.InstanceId, instance.AccountId,
                $"{instance.InstanceId} in {instance.AccountAlias} ({instance.Region}): {what}",
                new Dictionary<string, string>
                {
                    ["summary"] = $"{instance.InstanceId} in {instance.AccountAlias}: {what}",
                    ["instance_id"] = instance.InstanceId,
                    ["instance_name"] = r.Instance.Tags.GetValueOrDefault("Name") ?? "",
                    ["account_id"] = instance.AccountId,
                    ["account_alias"] = instance.AccountAlias,
                    ["region"] = instance.Region,
                    ["address"] = r.Instance.Host,
                    ["reason"] = r.Reason,
                    ["still_a_target"] = r.IsTarget ? "true" : "false",
                });
        })
        .ToList();

    /// <summary>Addresses two instances claim, and addresses of static targets an instance claims.</summary>
    public static IReadOnlyList<InventoryFinding> Conflicts(InstanceIndex index, IReadOnlyList<ResolvedTarget> statics)
    {
        var claims = new Dictionary<string, List<ResolvedTarget>>(StringComparer.Ordinal);
        foreach (var (address, claimants) in index.Conflicts)
        {
            claims[address] = [.. claimants];
        }
        foreach (var target in statics)
        {
            if (!TargetLookup.LooksLikeAddress(target.Host) || !IPAddress.TryParse(target.Host, out var parsed))
            {
                continue;
            }
            var address = InstanceIndex.Canonical(parsed);
            var instances = index.ClaimantsOf(address);
            if (instances.Count == 0)
            {
                continue;
            }
            if (!claims.TryGetValue(address, out var list))
            {
                claims[address] = list = [.. instances];
            }
            list.Add(target);
        }
        return claims.OrderBy(c => c.Key, StringComparer.Ordinal).Select(c => Conflict(c.Key, c.Value)).ToList();
    }

    private static InventoryFinding Conflict(string address, IReadOnlyList<ResolvedTarget> claimants)
    {
        var described = string.Join(" and ", claimants.Select(TargetLookup.Describe));
        var summary = $"address {address} is claimed by {described}; the gateway connects to it for nobody until only one claims it";
        var accounts = claimants.Select(c => c.Instance?.AccountId).OfType<string>().Distinct().ToList();
        return new InventoryFinding(InventoryFindingKinds.AddressConflict, address, accounts.Count == 1 ? accounts[0] : "", summary,
            new Dictionary<string, string>
            {
                ["summary"] = summary,
                ["address"] = address,
                ["claimants"] = described,
                ["claimant_count"] = claimants.Count.ToString(CultureInfo.InvariantCulture),
                ["instance_ids"] = string.Join(",", claimants.Select(c => c.Instance?.InstanceId).OfType<string>()),
                ["accounts"] = string.Join(",", claimants.Select(c => c.Instance?.AccountAlias ?? "static").Distinct()),
            });
    }
}
