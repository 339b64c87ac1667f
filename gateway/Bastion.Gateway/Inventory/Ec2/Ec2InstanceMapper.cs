using System.Collections.Immutable;
using Amazon.EC2.Model;

namespace Bastion.Gateway.Inventory.Ec2;

/// <summary>Turns the SDK's <see cref="Instance"/> into an <see cref="Ec2Instance"/>.</summary>
internal static class Ec2InstanceMapper
{
    /// <summary>The mapped instance, or null for one that is terminated (it can never be reached again).</summary>
    public static Ec2Instance? Map(Instance instance, Ec2AccountOptions account, string region)
    {
        var state = instance.State?.Name?.Value ?? "unknown";
        if (state == "terminated")
        {
            return null;
        }
        var tags = instance.Tags is { Count: > 0 } list
            ? list.Where(t => t.Key is not null).GroupBy(t => t.Key).ToImmutableDictionary(g => g.Key, g => g.Last().Value ?? "", StringComparer.Ordinal)
            : ImmutableDictionary<string, string>.Empty;
        return new Ec2Instance(
            instance.InstanceId ?? "",
            tags.GetValueOrDefault("Name"),
            state,
            PrivateIps(instance),
            string.IsNullOrEmpty(instance.PrivateDnsName) ? null : instance.PrivateDnsName,
            instance.VpcId,
            account.Id,
            account.Alias,
            region,
            tags,
            instance.LaunchTime is { } launched ? new DateTimeOffset(DateTime.SpecifyKind(launched.ToUniversalTime(), DateTimeKind.Utc)) : null);
    }

    /// <summary>
    /// The instance's primary address first, then each interface's addresses in device order (each interface's
    /// primary first), without repeats.
    /// </summary>
    private static ImmutableArray<string> PrivateIps(Instance instance)
    {
        var ips = ImmutableArray.CreateBuilder<string>();
        void Add(string? ip)
        {
            if (!string.IsNullOrEmpty(ip) && !ips.Contains(ip))
            {
                ips.Add(ip);
            }
        }
        Add(instance.PrivateIpAddress);
        foreach (var nic in (instance.NetworkInterfaces ?? []).OrderBy(n => n.Attachment?.DeviceIndex ?? int.MaxValue))
        {
            Add(nic.PrivateIpAddress);
            foreach (var address in (nic.PrivateIpAddresses ?? []).OrderByDescending(a => a.Primary == true))
            {
                Add(address.PrivateIpAddress);
            }
        }
        return ips.ToImmutable();
    }
}
