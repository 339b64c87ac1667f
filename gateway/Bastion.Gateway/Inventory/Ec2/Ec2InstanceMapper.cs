using System.Collections.Immutable;
using Amazon.EC2.Model;

namespace Bastion.Gateway.Inventory.Ec2;

/// <summary>Turns the SDK's <see cref="Instance"/> into an <see cref="Ec2Instance"/>.</summary>
internal static class Ec2InstanceMapper
{
    private static readonly IReadOnlyDictionary<string, string> NoTags = ImmutableDictionary<string, string>.Empty;

    /// <summary>The mapped instance, or null for one that is terminated (it can never be reached again).</summary>
    public static Ec2Instance? Map(Instance instance, Ec2AccountOptions account, string region, Ec2StringPool strings)
    {
        var state = instance.State?.Name?.Value ?? "unknown";
        if (state == "terminated")
        {
            return null;
        }
        IReadOnlyDictionary<string, string> tags = NoTags;
        if (instance.Tags is { Count: > 0 } list)
        {
            var dictionary = new Dictionary<string, string>(list.Count, StringComparer.Ordinal);
            foreach (var tag in list.Where(t => t.Key is not null))
            {
                dictionary[strings.Share(tag.Key)!] = strings.Share(tag.Value ?? "")!;
            }
            tags = dictionary;
        }
        return new Ec2Instance(
            instance.InstanceId ?? "",
            tags.GetValueOrDefault("Name"),
            strings.Share(state)!,
            PrivateIps(instance),
            string.IsNullOrEmpty(instance.PrivateDnsName) ? null : instance.PrivateDnsName,
            strings.Share(instance.VpcId),
            account.Id,
            account.Alias,
            region,
            tags,
            instance.LaunchTime is { } launched ? new DateTimeOffset(DateTime.SpecifyKind(launched.ToUniversalTime(), DateTimeKind.Utc)) : null)
        {
            PublicIp = string.IsNullOrEmpty(instance.PublicIpAddress) ? null : instance.PublicIpAddress,
            SecurityGroupIds = SecurityGroupIds(instance, strings),
        };
    }

    /// <summary>
    /// The groups of the instance and of every interface. EC2 lists the primary interface's groups on the instance;
    /// another interface can have others, and since a public address can sit on any interface, all of them count.
    /// </summary>
    private static string[] SecurityGroupIds(Instance instance, Ec2StringPool strings)
    {
        var ids = new List<string>(2);
        var groups = (instance.SecurityGroups ?? []).Concat((instance.NetworkInterfaces ?? []).SelectMany(n => n.Groups ?? []));
        foreach (var group in groups)
        {
            if (!string.IsNullOrEmpty(group.GroupId) && !ids.Contains(group.GroupId))
            {
                ids.Add(strings.Share(group.GroupId)!);
            }
        }
        return ids.ToArray();
    }

    /// <summary>
    /// The instance's primary address first, then each interface's addresses in device order (each interface's
    /// primary first), without repeats.
    /// </summary>
    private static string[] PrivateIps(Instance instance)
    {
        var ips = new List<string>(2);
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
        return ips.ToArray();
    }
}
