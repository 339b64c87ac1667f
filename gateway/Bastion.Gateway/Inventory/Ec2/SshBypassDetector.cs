using System.Globalization;
using System.Net;
using Bastion.Core.Inventory;

namespace Bastion.Gateway.Inventory.Ec2;

/// <summary>
/// Finds instances that can be reached over SSH without the bastion: a public IP, and a security group whose inbound
/// rule lets TCP port 22 (or every protocol) in from anywhere (0.0.0.0/0 or ::/0). Pure: the same snapshot always
/// gives the same findings, one per instance, group and rule source, each with a subject that stays the same across
/// refreshes for as long as the rule does, so the finding is raised once and closed when the rule or the address goes.
/// </summary>
/// <remarks>
/// <para>Every instance with a public IP counts, whatever its state. A stopped instance usually loses its
/// auto-assigned address, but keeps an Elastic IP: it is one start away from being reachable, and reporting it also
/// keeps its finding from closing and reopening (and alerting again) every time it is stopped and started.</para>
/// <para>Only sources of prefix length 0 count. A rule split in two (0.0.0.0/1 and 128.0.0.0/1), an IPv6 address
/// on the instance, and sources behind a prefix list are not judged.</para>
/// </remarks>
public static class SshBypassDetector
{
    public const int SshPort = 22;

    /// <summary>The open findings of every account in <paramref name="snapshot"/> (stale ones from their last good data).</summary>
    public static IReadOnlyList<InventoryFinding> Find(Ec2Snapshot snapshot)
    {
        ArgumentNullException.ThrowIfNull(snapshot);
        return snapshot.Accounts.SelectMany(Find).ToList();
    }

    /// <summary>The open findings of one account, ordered by instance id then subject.</summary>
    public static IReadOnlyList<InventoryFinding> Find(Ec2AccountStatus account)
    {
        ArgumentNullException.ThrowIfNull(account);
        var groups = new Dictionary<(string Region, string GroupId), Ec2SecurityGroup>();
        foreach (var group in account.SecurityGroups)
        {
            groups.TryAdd((group.Region, group.GroupId), group);
        }
        var findings = new List<InventoryFinding>();
        var subjects = new HashSet<string>(StringComparer.Ordinal);
        foreach (var instance in account.Instances.Where(i => i.PublicIp is not null).OrderBy(i => i.InstanceId, StringComparer.Ordinal))
        {
            foreach (var groupId in instance.SecurityGroupIds)
            {
                if (!groups.TryGetValue((instance.Region, groupId), out var group))
                {
                    continue; // not read (see the account's SecurityGroupsError) or deleted since
                }
                foreach (var rule in group.Inbound)
                {
                    if (OpenPorts(rule) is not { } ports)
                    {
                        continue;
                    }
                    foreach (var source in rule.Sources.Where(IsAnywhere))
                    {
                        var finding = Describe(account, instance, group, ports, source);
                        if (subjects.Add(finding.Subject))
                        {
                            findings.Add(finding);
                        }
                    }
                }
            }
        }
        return findings;
    }

    /// <summary>
    /// Accounts whose findings are not known from this snapshot: not refreshed successfully yet, or whose security
    /// groups could not be read. Whoever closes findings that are gone should keep these accounts' open ones.
    /// </summary>
    public static IReadOnlyList<string> UncheckedAccounts(Ec2Snapshot snapshot)
    {
        ArgumentNullException.ThrowIfNull(snapshot);
        return snapshot.Accounts.Where(a => a.LastSuccess is null || a.SecurityGroupsError is not null).Select(a => a.Account.Id).ToList();
    }

    /// <summary>
    /// The ports of a rule that admits SSH: "tcp 22-22"-style text for TCP ranges that include 22, "all" for a rule
    /// on every protocol; null when SSH is not admitted. Missing ports on a TCP rule (EC2 always gives them) are read
    /// as every port: when in doubt, report.
    /// </summary>
    internal static RulePorts? OpenPorts(Ec2InboundRule rule)
    {
        var protocol = rule.Protocol.Trim().ToLowerInvariant();
        if (protocol is "-1" or "all")
        {
            return new RulePorts("all", "all", "all traffic");
        }
        if (protocol is not ("tcp" or "6"))
        {
            return null; // udp, icmp, or another protocol number: not SSH, whatever its ports
        }
        var from = rule.FromPort is { } f and >= 0 ? f : 0;
        var to = rule.ToPort is { } t and >= 0 ? t : 65535;
        if (from > SshPort || to < SshPort)
        {
            return null;
        }
        var range = string.Create(CultureInfo.InvariantCulture, $"{from}-{to}");
        return new RulePorts("tcp", range, from == to ? string.Create(CultureInfo.InvariantCulture, $"tcp {from}") : $"tcp {range}");
    }

    /// <summary>0.0.0.0/0 or ::/0 however written: a range of prefix length 0 holds every address of its family.</summary>
    internal static bool IsAnywhere(string source) =>
        IPNetwork.TryParse(source.Trim(), out var network) ? network.PrefixLength == 0 : source.Trim() is "0.0.0.0/0" or "::/0";

    private static InventoryFinding Describe(Ec2AccountStatus account, Ec2Instance instance, Ec2SecurityGroup group, RulePorts ports, string source)
    {
        var rule = $"{ports.Text} from {source}";
        var subject = $"{instance.InstanceId}/{group.GroupId}/{ports.Protocol}/{ports.Range}/{source}";
        var name = instance.Name is { Length: > 0 } n ? $"{n} ({instance.InstanceId})" : instance.InstanceId;
        var summary = $"instance {name} in {account.Account.Alias} ({instance.Region}) has public IP {instance.PublicIp} and security group "
                      + $"{group.GroupId} ({group.GroupName}) allows {rule}, so SSH reaches it without the bastion; remove the rule or the public IP";
        return new InventoryFinding(InventoryFindingKinds.SshBypass, subject, account.Account.Id, summary, new Dictionary<string, string>
        {
            ["instance_id"] = instance.InstanceId,
            ["instance_name"] = instance.Name ?? "",
            ["instance_state"] = instance.State,
            ["account_id"] = account.Account.Id,
            ["account_alias"] = account.Account.Alias,
            ["region"] = instance.Region,
            ["public_ip"] = instance.PublicIp!,
            ["group_id"] = group.GroupId,
            ["group_name"] = group.GroupName,
            ["rule"] = rule,
        });
    }

    /// <param name="Protocol">"tcp" or "all", for the subject.</param>
    /// <param name="Range">"from-to" or "all", for the subject.</param>
    /// <param name="Text">"tcp 22", "tcp 0-65535" or "all traffic", for people.</param>
    internal sealed record RulePorts(string Protocol, string Range, string Text);
}
