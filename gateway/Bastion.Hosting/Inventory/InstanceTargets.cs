using System.Runtime.CompilerServices;
using Bastion.Core.Inventory;
using Bastion.Hosting.Inventory.Ec2;

namespace Bastion.Hosting.Inventory;

/// <summary>One account's instances as last read, for building the index.</summary>
public sealed record AccountInstances(string AccountId, string Alias, IReadOnlyList<Ec2Instance> Instances, DateTimeOffset? LastSuccess, string? LastError);

/// <summary>
/// How EC2 instances become targets: each is vetted (its primary private address must lie in its own account's
/// ranges and outside every protected range; its Name tag must pass <see cref="NameTagRules"/>), then named by its
/// Name tag, or its instance id when the tag is missing or refused, and dialled at its primary private address.
/// </summary>
public static class InstanceTargets
{
    public const string Source = "ec2";

    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    public static InstanceIndex Index(IReadOnlyList<AccountInstances> accounts, InventoryAddressPolicy policy)
    {
        var aliases = accounts.Select(a => a.Alias).ToHashSet(StringComparer.OrdinalIgnoreCase);
        var count = 0;
        foreach (var account in accounts)
        {
            count += account.Instances.Count;
        }
        var targets = new List<ResolvedTarget>(count);
        var rejected = new List<RejectedInstance>();
        foreach (var account in accounts)
        {
            foreach (var instance in account.Instances)
            {
                if (instance.PrimaryPrivateIp is not { } address)
                {
                    continue; // pending instances have no address yet; nothing to connect to or to claim
                }
                var nameProblem = instance.Name is { } tag ? NameTagRules.WhyNotAName(tag, aliases.Contains) : null;
                // Canonical text, so the index can compare the dialled address with claims without parsing it again.
                var host = InstanceIndex.Canonical(address) ?? address;
                var target = ToTarget(instance, account.LastSuccess, nameProblem is null ? instance.Name : null, host);
                if (policy.WhyNotDialled(instance.AccountId, instance.AccountAlias, address) is { } addressProblem)
                {
                    rejected.Add(new RejectedInstance(target, addressProblem, IsTarget: false));
                    continue;
                }
                if (nameProblem is not null)
                {
                    rejected.Add(NameRefused(target, instance, nameProblem));
                }
                targets.Add(target);
            }
        }
        var accountViews = accounts.Select(a => new InventoryAccount(a.AccountId, a.Alias, a.LastSuccess, a.LastError));
        return new InstanceIndex(targets, rejected, accountViews);
    }

    // Apart from the loop: refusals are rare, and the first index build should not compile their sentence.
    private static RejectedInstance NameRefused(ResolvedTarget target, Ec2Instance instance, string problem) =>
        new(target, $"its Name tag \"{instance.Name}\" {problem}, so it is not a name; the instance is reachable as {instance.InstanceId}", IsTarget: true);

    private static ResolvedTarget ToTarget(Ec2Instance instance, DateTimeOffset? dataAsOf, string? name, string host)
    {
        var details = new InstanceDetails(instance.InstanceId, instance.AccountId, instance.AccountAlias, instance.Region, instance.VpcId,
            instance.State, instance.PrivateIps, instance.PrivateDnsName, instance.LaunchTime, dataAsOf);
        return new ResolvedTarget(name ?? instance.InstanceId, host, 22, instance.AccountAlias, instance.Tags, Source, details);
    }
}
