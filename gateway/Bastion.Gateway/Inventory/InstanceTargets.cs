using Bastion.Core.Inventory;
using Bastion.Gateway.Inventory.Ec2;

namespace Bastion.Gateway.Inventory;

/// <summary>How an EC2 instance appears as a target: its Name tag (or id), dialled at its primary private IP.</summary>
public static class InstanceTargets
{
    public const string Source = "ec2";

    public static ResolvedTarget? ToTarget(Ec2Instance instance, DateTimeOffset? dataAsOf)
    {
        if (instance.PrimaryPrivateIp is not { } address)
        {
            return null; // pending instances have no address yet; nothing to connect to
        }
        var details = new InstanceDetails(instance.InstanceId, instance.AccountId, instance.AccountAlias, instance.Region, instance.VpcId,
            instance.State, instance.PrivateIps, instance.PrivateDnsName, instance.LaunchTime, dataAsOf);
        return new ResolvedTarget(instance.Name ?? instance.InstanceId, address, 22, instance.AccountAlias, instance.Tags, Source, details);
    }

    public static InstanceIndex Index(IEnumerable<(IReadOnlyList<Ec2Instance> Instances, DateTimeOffset? DataAsOf)> accounts) =>
        new(accounts.SelectMany(a => a.Instances.Select(i => ToTarget(i, a.DataAsOf))).OfType<ResolvedTarget>());
}
