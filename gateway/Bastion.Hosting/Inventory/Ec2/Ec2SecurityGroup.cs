namespace Bastion.Hosting.Inventory.Ec2;

/// <summary>
/// A security group as the gateway needs it to tell whether an instance can be reached without the bastion: its
/// inbound rules that name address ranges. Rules whose only sources are other groups or prefix lists are left out:
/// they admit known peers, not an address range the gateway could judge.
/// </summary>
/// <param name="GroupName">The name the account's owner gave it (outside input, like a tag).</param>
/// <param name="Region">Group ids are looked up per region: an instance only uses groups of its own region.</param>
public sealed record Ec2SecurityGroup(string GroupId, string GroupName, string Region, IReadOnlyList<Ec2InboundRule> Inbound);

/// <summary>One inbound rule, as EC2 describes it.</summary>
/// <param name="Protocol">"tcp", "udp", "icmp", "icmpv6", a protocol number, or "-1" for every protocol and port.</param>
/// <param name="FromPort">First port for tcp and udp (EC2 leaves it out for "-1").</param>
/// <param name="ToPort">Last port for tcp and udp.</param>
/// <param name="Sources">The IPv4 and IPv6 ranges the rule admits, in CIDR notation.</param>
public sealed record Ec2InboundRule(string Protocol, int? FromPort, int? ToPort, IReadOnlyList<string> Sources);
