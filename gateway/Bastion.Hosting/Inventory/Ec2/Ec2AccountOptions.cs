namespace Bastion.Hosting.Inventory.Ec2;

/// <summary>
/// One developer AWS account whose instances the gateway lists: the role it assumes there and the regions it
/// looks in. Bound from <c>Bastion:Inventory:Ec2:Accounts:N</c>.
/// </summary>
public sealed class Ec2AccountOptions
{
    /// <summary>The 12-digit AWS account id.</summary>
    public string Id { get; set; } = "";

    /// <summary>Short name shown to users and in the audit trail (e.g. "dev-a"); unique across accounts.</summary>
    public string Alias { get; set; } = "";

    /// <summary>Role the gateway assumes in this account; it needs ec2:DescribeInstances and ec2:DescribeSecurityGroups.</summary>
    public string RoleArn { get; set; } = "";

    /// <summary>External id the role's trust policy requires, if any.</summary>
    public string? ExternalId { get; set; }

    /// <summary>
    /// The address ranges of the account's VPCs that the gateway's network reaches (the peered VPCs), e.g.
    /// "10.20.0.0/16". An instance whose primary private address lies outside them is not a target: the account's
    /// developers choose their instances' addresses, and one outside its own ranges may be another network's host.
    /// Ranges of two accounts must not overlap.
    /// </summary>
    public List<string> Cidrs { get; set; } = [];

    /// <summary>Regions to list instances in, e.g. "eu-west-1".</summary>
    public List<string> Regions { get; set; } = [];

    public override string ToString() => $"{Alias} ({Id})";
}
