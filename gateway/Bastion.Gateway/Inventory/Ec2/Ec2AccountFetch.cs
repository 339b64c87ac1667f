namespace Bastion.Gateway.Inventory.Ec2;

/// <summary>
/// What one refresh read from an account: its instances and the security groups they use. The groups are extra:
/// when they cannot be read (a role made before ec2:DescribeSecurityGroups was asked for), the instances are still
/// served and <see cref="SecurityGroupsError"/> says why the groups are missing.
/// </summary>
/// <param name="Instances">Every non-terminated instance of the account, all regions.</param>
public sealed record Ec2AccountFetch(IReadOnlyList<Ec2Instance> Instances)
{
    /// <summary>The groups used by <see cref="Instances"/>, from the regions whose groups could be read.</summary>
    public IReadOnlyList<Ec2SecurityGroup> SecurityGroups { get; init; } = [];

    /// <summary>Regions whose groups could not be read (see <see cref="SecurityGroupsError"/>).</summary>
    public IReadOnlyList<string> SecurityGroupRegionsFailed { get; init; } = [];

    /// <summary>Why groups are missing, saying what to grant or fix; null when every region's groups were read.</summary>
    public string? SecurityGroupsError { get; init; }
}
