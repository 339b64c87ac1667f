using Amazon.EC2;
using Amazon.EC2.Model;

namespace Bastion.Gateway.Inventory.Ec2;

/// <summary>
/// Reads a region's security groups with DescribeSecurityGroups, paged and bounded like DescribeInstances.
/// It asks for all of them rather than for the ids the instances name: the call then needs no batching of id lists,
/// runs beside DescribeInstances instead of after it (a refresh takes no longer), and its cost follows the number of
/// groups, which AWS quotas keep far below the number of instances. <see cref="InUseBy"/> keeps only the groups the
/// instances use, so the snapshot does not grow with groups nothing uses.
/// </summary>
internal static class Ec2SecurityGroupReader
{
    /// <summary>The region's groups, or the failure translated for people; never throws but for cancellation.</summary>
    public static async Task<Ec2SecurityGroupRead> ReadAsync(IAmazonEC2 ec2, Ec2AccountOptions account, string region, int pageSize, string endpoint, CancellationToken cancellationToken)
    {
        var groups = new List<Ec2SecurityGroup>();
        var strings = new Ec2StringPool();
        try
        {
            await Ec2Pages.ReadAllAsync(Ec2ErrorTranslator.DescribeSecurityGroups, account, region, endpoint, async token =>
            {
                var response = await ec2.DescribeSecurityGroupsAsync(new DescribeSecurityGroupsRequest
                {
                    MaxResults = pageSize,
                    NextToken = token,
                }, cancellationToken).ConfigureAwait(false);
                groups.AddRange((response.SecurityGroups ?? []).Where(g => !string.IsNullOrEmpty(g.GroupId)).Select(g => Map(g, region, strings)));
                return response.NextToken;
            }).ConfigureAwait(false);
            return new Ec2SecurityGroupRead(groups, null);
        }
        catch (Exception ex) when (!cancellationToken.IsCancellationRequested)
        {
            return new Ec2SecurityGroupRead([], Ec2ErrorTranslator.Translate(ex, account, Ec2ErrorTranslator.DescribeSecurityGroups, region, endpoint));
        }
    }

    /// <summary>The groups that at least one of <paramref name="instances"/> uses.</summary>
    public static IEnumerable<Ec2SecurityGroup> InUseBy(IReadOnlyList<Ec2SecurityGroup> groups, IEnumerable<Ec2Instance> instances)
    {
        var used = instances.SelectMany(i => i.SecurityGroupIds).ToHashSet(StringComparer.Ordinal);
        return groups.Where(g => used.Contains(g.GroupId));
    }

    private static Ec2SecurityGroup Map(SecurityGroup group, string region, Ec2StringPool strings)
    {
        var rules = new List<Ec2InboundRule>();
        foreach (var permission in group.IpPermissions ?? [])
        {
            var sources = (permission.Ipv4Ranges ?? []).Select(r => r.CidrIp)
                .Concat((permission.Ipv6Ranges ?? []).Select(r => r.CidrIpv6))
                .Where(c => !string.IsNullOrEmpty(c))
                .Select(c => strings.Share(c)!)
                .ToArray();
            if (sources.Length > 0)
            {
                rules.Add(new Ec2InboundRule(strings.Share(permission.IpProtocol ?? "")!, permission.FromPort, permission.ToPort, sources));
            }
        }
        return new Ec2SecurityGroup(group.GroupId, group.GroupName ?? "", region, rules);
    }
}

/// <summary>One region's groups, or why they could not be read.</summary>
internal sealed record Ec2SecurityGroupRead(IReadOnlyList<Ec2SecurityGroup> Groups, Ec2FetchException? Error);
