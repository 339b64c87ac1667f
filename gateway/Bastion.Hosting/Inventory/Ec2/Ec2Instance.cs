namespace Bastion.Hosting.Inventory.Ec2;

/// <summary>One EC2 instance as the gateway needs it to resolve a name and dial it.</summary>
/// <param name="Name">Value of the Name tag; null when the instance has none.</param>
/// <param name="State">EC2 state name: "pending", "running", "stopping", "stopped", "shutting-down".</param>
/// <param name="PrivateIps">Every private IPv4 address, the primary one first; may be empty (e.g. while pending).</param>
/// <param name="Tags">All tags, Name included.</param>
public sealed record Ec2Instance(
    string InstanceId,
    string? Name,
    string State,
    IReadOnlyList<string> PrivateIps,
    string? PrivateDnsName,
    string? VpcId,
    string AccountId,
    string AccountAlias,
    string Region,
    IReadOnlyDictionary<string, string> Tags,
    DateTimeOffset? LaunchTime)
{
    private readonly IReadOnlyList<string> _securityGroupIds = [];

    /// <summary>
    /// The public IPv4 address (auto-assigned or Elastic IP), or null. With it, the instance's security groups alone
    /// decide who reaches it from the internet, bastion or not (see <see cref="SshBypassDetector"/>).
    /// </summary>
    public string? PublicIp { get; init; }

    /// <summary>
    /// Ids of the security groups on the instance and its network interfaces, without repeats; empty when it has
    /// none or when it was saved before the gateway read them.
    /// </summary>
    public IReadOnlyList<string> SecurityGroupIds
    {
        get => _securityGroupIds;
        init => _securityGroupIds = value ?? []; // a saved "securityGroupIds": null reads as none
    }

    /// <summary>The address to dial: the primary private IP, or null when the instance has none yet.</summary>
    public string? PrimaryPrivateIp => PrivateIps.Count > 0 ? PrivateIps[0] : null;

    public bool IsRunning => State == "running";
}
