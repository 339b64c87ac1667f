using Bastion.Core.Inventory;
using Bastion.Gateway.Inventory.Ec2;

namespace Bastion.Gateway.Tests.Inventory.Ec2;

/// <summary>Which instance and rule make an SSH bypass, from snapshots built by hand.</summary>
public sealed class SshBypassDetectorTests
{
    private static readonly Ec2AccountOptions DevA = new()
    {
        Id = "111111111111", Alias = "dev-a", RoleArn = "arn:aws:iam::111111111111:role/bastion-inventory", Regions = ["eu-west-1"],
    };

    public static TheoryData<string, string, int?, int?, string, string?, string?> Rules() => new()
    {
        // what, the group's one inbound rule (protocol, from, to, source), the instance's public IP, the finding's "rule" (null: no finding)
        { "every TCP port from anywhere", "tcp", 0, 65535, "0.0.0.0/0", "203.0.113.10", "tcp 0-65535 from 0.0.0.0/0" },
        { "a range around 22", "tcp", 20, 23, "0.0.0.0/0", "203.0.113.10", "tcp 20-23 from 0.0.0.0/0" },
        { "port 22 alone", "tcp", 22, 22, "0.0.0.0/0", "203.0.113.10", "tcp 22 from 0.0.0.0/0" },
        { "TCP by protocol number", "6", 22, 22, "0.0.0.0/0", "203.0.113.10", "tcp 22 from 0.0.0.0/0" },
        { "a range starting above 22", "tcp", 23, 25, "0.0.0.0/0", "203.0.113.10", null },
        { "a range ending below 22", "tcp", 0, 21, "0.0.0.0/0", "203.0.113.10", null },
        { "UDP 22", "udp", 22, 22, "0.0.0.0/0", "203.0.113.10", null },
        { "ICMP", "icmp", -1, -1, "0.0.0.0/0", "203.0.113.10", null },
        { "all traffic", "-1", null, null, "0.0.0.0/0", "203.0.113.10", "all traffic from 0.0.0.0/0" },
        { "port 22 from any IPv6 address", "tcp", 22, 22, "::/0", "203.0.113.10", "tcp 22 from ::/0" },
        { "all traffic from any IPv6 address", "-1", null, null, "::/0", "203.0.113.10", "all traffic from ::/0" },
        { "a private range", "tcp", 22, 22, "10.0.0.0/8", "203.0.113.10", null },
        { "one outside address", "tcp", 22, 22, "198.51.100.7/32", "203.0.113.10", null },
        { "an IPv6 range", "tcp", 22, 22, "2001:db8::/32", "203.0.113.10", null },
        { "half the internet", "tcp", 22, 22, "0.0.0.0/1", "203.0.113.10", null },
        { "open rule, no public IP", "tcp", 22, 22, "0.0.0.0/0", null, null },
        { "open rule on every port, no public IP", "-1", null, null, "0.0.0.0/0", null, null },
    };

    [Theory]
    [MemberData(nameof(Rules))]
    public void A_finding_needs_a_public_ip_and_a_rule_admitting_tcp_22_from_anywhere(
        string what, string protocol, int? from, int? to, string source, string? publicIp, string? expectedRule)
    {
        var account = Status([Instance("i-0web1", "web-1", publicIp, "sg-0open")], Group("sg-0open", "web", Rule(protocol, from, to, source)));

        var findings = SshBypassDetector.Find(account);

        if (expectedRule is null)
        {
            Assert.True(findings.Count == 0, $"{what}: expected no finding, got {string.Join("; ", findings.Select(f => f.Subject))}");
            return;
        }
        var finding = Assert.Single(findings);
        Assert.Equal(InventoryFindingKinds.SshBypass, finding.Kind);
        Assert.Equal(expectedRule, finding.Data["rule"]);
    }

    [Fact]
    public void The_finding_names_instance_account_group_and_rule_under_a_subject_stable_across_refreshes()
    {
        var account = Status([Instance("i-0web1", "web-1", "203.0.113.10", "sg-0open")], Group("sg-0open", "web-ssh", Rule("tcp", 22, 22, "0.0.0.0/0")));

        var finding = Assert.Single(SshBypassDetector.Find(account));
        var again = Assert.Single(SshBypassDetector.Find(account with { LastSuccess = account.LastSuccess!.Value.AddMinutes(5) }));

        Assert.Equal("i-0web1/sg-0open/tcp/22-22/0.0.0.0/0", finding.Subject);
        Assert.Equal(finding.Subject, again.Subject);
        Assert.Equal("111111111111", finding.AccountId);
        Assert.Equal(new Dictionary<string, string>
        {
            ["instance_id"] = "i-0web1",
            ["instance_name"] = "web-1",
            ["instance_state"] = "running",
            ["account_id"] = "111111111111",
            ["account_alias"] = "dev-a",
            ["region"] = "eu-west-1",
            ["public_ip"] = "203.0.113.10",
            ["group_id"] = "sg-0open",
            ["group_name"] = "web-ssh",
            ["rule"] = "tcp 22 from 0.0.0.0/0",
        }, finding.Data);
        Assert.Equal("instance web-1 (i-0web1) in dev-a (eu-west-1) has public IP 203.0.113.10 and security group sg-0open (web-ssh) "
                     + "allows tcp 22 from 0.0.0.0/0, so SSH reaches it without the bastion; remove the rule or the public IP", finding.Summary);
    }

    [Fact]
    public void Each_instance_group_and_source_is_its_own_finding_and_repeats_are_reported_once()
    {
        var bothFamilies = Rule("tcp", 22, 22, "0.0.0.0/0", "10.0.0.0/8", "::/0");
        var account = Status(
            [
                Instance("i-0b", "web-2", "203.0.113.11", "sg-0open", "sg-0all", "sg-0open"),
                Instance("i-0a", "web-1", "203.0.113.10", "sg-0open"),
            ],
            Group("sg-0open", "web", bothFamilies, bothFamilies),
            Group("sg-0all", "everything", Rule("-1", null, null, "0.0.0.0/0")));

        var subjects = SshBypassDetector.Find(account).Select(f => f.Subject);

        Assert.Equal(
            [
                "i-0a/sg-0open/tcp/22-22/0.0.0.0/0",
                "i-0a/sg-0open/tcp/22-22/::/0",
                "i-0b/sg-0open/tcp/22-22/0.0.0.0/0",
                "i-0b/sg-0open/tcp/22-22/::/0",
                "i-0b/sg-0all/all/all/0.0.0.0/0",
            ],
            subjects);
    }

    [Fact]
    public void A_stopped_instance_that_keeps_an_elastic_ip_is_reported()
    {
        var account = Status([Instance("i-0stop", "web-1", "203.0.113.10", "sg-0open") with { State = "stopped" }], Group("sg-0open", "web", Rule("tcp", 22, 22, "0.0.0.0/0")));

        var finding = Assert.Single(SshBypassDetector.Find(account));

        Assert.Equal("stopped", finding.Data["instance_state"]);
    }

    [Fact]
    public void A_group_the_instance_does_not_use_or_of_another_region_or_not_read_finds_nothing()
    {
        var open = Rule("tcp", 22, 22, "0.0.0.0/0");
        var account = Status(
            [Instance("i-0web1", "web-1", "203.0.113.10", "sg-0mine", "sg-0unread")],
            Group("sg-0other", "not used", open),
            Group("sg-0mine", "same id, other region", open) with { Region = "us-east-1" });

        Assert.Empty(SshBypassDetector.Find(account));
    }

    [Fact]
    public void Instance_without_a_name_is_named_by_its_id()
    {
        var account = Status([Instance("i-0anon", null, "203.0.113.10", "sg-0open")], Group("sg-0open", "web", Rule("tcp", 22, 22, "0.0.0.0/0")));

        var finding = Assert.Single(SshBypassDetector.Find(account));

        Assert.Equal("", finding.Data["instance_name"]);
        Assert.StartsWith("instance i-0anon in dev-a ", finding.Summary, StringComparison.Ordinal);
    }

    [Fact]
    public void A_snapshot_gives_every_accounts_findings_and_names_the_accounts_it_could_not_check()
    {
        var devB = new Ec2AccountOptions { Id = "222222222222", Alias = "dev-b", RoleArn = "arn:aws:iam::222222222222:role/bastion-inventory", Regions = ["eu-west-1"] };
        var devC = new Ec2AccountOptions { Id = "333333333333", Alias = "dev-c", RoleArn = "arn:aws:iam::333333333333:role/bastion-inventory", Regions = ["eu-west-1"] };
        var open = Group("sg-0open", "web", Rule("tcp", 22, 22, "0.0.0.0/0"));
        var a = Status([Instance("i-0a", "web-1", "203.0.113.10", "sg-0open")], open);
        var b = Status([], open) with { Account = devB, SecurityGroupsError = "security groups not read: grant ec2:DescribeSecurityGroups" };
        var c = Ec2AccountStatus.NotYetRefreshed(devC);
        var snapshot = new Ec2Snapshot([a, b, c], DateTimeOffset.UnixEpoch);

        Assert.Equal(["i-0a/sg-0open/tcp/22-22/0.0.0.0/0"], SshBypassDetector.Find(snapshot).Select(f => f.Subject));
        Assert.Equal(["222222222222", "333333333333"], SshBypassDetector.UncheckedAccounts(snapshot));
    }

    private static Ec2InboundRule Rule(string protocol, int? from, int? to, params string[] sources) => new(protocol, from, to, sources);

    private static Ec2SecurityGroup Group(string id, string name, params Ec2InboundRule[] rules) => new(id, name, "eu-west-1", rules);

    private static Ec2Instance Instance(string id, string? name, string? publicIp, params string[] groups) =>
        new(id, name, "running", ["10.0.0.5"], null, "vpc-1", DevA.Id, DevA.Alias, "eu-west-1",
            name is null ? new Dictionary<string, string>() : new Dictionary<string, string> { ["Name"] = name }, null)
        {
            PublicIp = publicIp,
            SecurityGroupIds = groups,
        };

    private static Ec2AccountStatus Status(IReadOnlyList<Ec2Instance> instances, params Ec2SecurityGroup[] groups)
    {
        var at = new DateTimeOffset(2026, 3, 1, 9, 0, 0, TimeSpan.Zero);
        return Ec2AccountStatus.NotYetRefreshed(DevA) with { Instances = instances, SecurityGroups = groups, LastSuccess = at, LastAttempt = at };
    }
}
