using System.Text.Json;
using Bastion.FakeAws;
using Bastion.Gateway.Inventory;
using Bastion.Gateway.Inventory.Ec2;

namespace Bastion.Gateway.Tests.Inventory.Ec2;

/// <summary>
/// Public IPs and security groups as the real AWS SDK reads them from the fake EC2, through the fetcher and the
/// inventory into <see cref="SshBypassDetector"/>; and what happens when the role may not read groups.
/// </summary>
public sealed class Ec2SecurityGroupFetchTests : IAsyncLifetime
{
    private const string Region = "eu-west-1";

    private Ec2TestBed _bed = null!;

    public async Task InitializeAsync() => _bed = await Ec2TestBed.StartAsync();

    public async Task DisposeAsync() => await _bed.DisposeAsync();

    [Fact]
    public async Task Public_ip_group_ids_and_the_inbound_rules_of_used_groups_are_read()
    {
        var account = _bed.Account("111111111111", "dev-a");
        var fake = _bed.Model.Account(account.Id);
        fake.AddSecurityGroup(Region, FakeSecurityGroup.Create("sg-0web", "web",
            FakeIpPermission.Tcp(22, 22, "0.0.0.0/0", "::/0"),
            FakeIpPermission.AllTraffic("10.0.0.0/8"),
            new FakeIpPermission("tcp", 443, 443) { SourceGroupIds = ["sg-0lb"] }));
        fake.AddSecurityGroup(Region, FakeSecurityGroup.Create("sg-0base", "base", FakeIpPermission.WithRanges(new("udp", 53, 53), "10.1.0.0/16")));
        fake.AddSecurityGroup(Region, FakeSecurityGroup.Create("sg-0unused", "nobody's", FakeIpPermission.Tcp(22, 22, "0.0.0.0/0")));
        var web = FakeInstance.Create("i-0web", "web-1", "10.0.0.5");
        web.PublicIp = "203.0.113.10";
        web.SecurityGroupIds = ["sg-0web", "sg-0base"];
        fake.AddInstance(Region, web);
        fake.AddInstance(Region, FakeInstance.Create("i-0priv", "db-1", "10.0.0.6"));

        var fetched = await _bed.Fetcher(_bed.Options(account)).FetchAsync(account, CancellationToken.None);

        var instance = fetched.Instances.Single(i => i.InstanceId == "i-0web");
        Assert.Equal("203.0.113.10", instance.PublicIp);
        Assert.Equal(["sg-0web", "sg-0base"], instance.SecurityGroupIds);
        var plain = fetched.Instances.Single(i => i.InstanceId == "i-0priv");
        Assert.Null(plain.PublicIp);
        Assert.Empty(plain.SecurityGroupIds);

        Assert.Null(fetched.SecurityGroupsError);
        Assert.Equal(["sg-0web", "sg-0base"], fetched.SecurityGroups.Select(g => g.GroupId)); // the unused group is left out
        var group = fetched.SecurityGroups[0];
        Assert.Equal(("web", Region), (group.GroupName, group.Region));
        // The rule whose only source is another group names no address range, so it is not kept.
        Assert.Equal(2, group.Inbound.Count);
        Assert.Equal(("tcp", 22, 22), (group.Inbound[0].Protocol, group.Inbound[0].FromPort, group.Inbound[0].ToPort));
        Assert.Equal(["0.0.0.0/0", "::/0"], group.Inbound[0].Sources);
        Assert.Equal(("-1", (int?)null, (int?)null), (group.Inbound[1].Protocol, group.Inbound[1].FromPort, group.Inbound[1].ToPort));
        Assert.Equal(["10.0.0.0/8"], group.Inbound[1].Sources);
        Assert.Equal(1, _bed.Model.CallCount("DescribeSecurityGroups", account.Id));
        Assert.Empty(_bed.Model.Rejections);
    }

    [Fact]
    public async Task Groups_are_paged_with_NextToken_in_every_region()
    {
        var account = _bed.Account("111111111111", "dev-a", Region, "us-east-1");
        var fake = _bed.Model.Account(account.Id);
        foreach (var region in account.Regions)
        {
            var instance = fake.AddInstance(region, FakeInstance.Create($"i-0{region}", "web", "10.0.0.5"));
            for (var i = 0; i < 12; i++)
            {
                fake.AddSecurityGroup(region, FakeSecurityGroup.Create($"sg-{region}-{i:00}", $"g{i}", FakeIpPermission.Tcp(22, 22, "0.0.0.0/0")));
                instance.SecurityGroupIds.Add($"sg-{region}-{i:00}");
            }
        }
        _bed.Model.PageSize = 5;

        var fetched = await _bed.Fetcher(_bed.Options(account)).FetchAsync(account, CancellationToken.None);

        Assert.Equal(24, fetched.SecurityGroups.Count);
        Assert.Equal(12, fetched.SecurityGroups.Count(g => g.Region == "us-east-1" && g.GroupId.StartsWith("sg-us-east-1-", StringComparison.Ordinal)));
        Assert.Equal(6, _bed.Model.CallCount("DescribeSecurityGroups", account.Id)); // 3 pages of 5 in each region
    }

    [Fact]
    public async Task A_role_without_DescribeSecurityGroups_still_serves_its_instances_and_says_what_to_grant()
    {
        var account = _bed.Account("111111111111", "dev-a");
        var fake = _bed.Model.Account(account.Id);
        fake.AddInstance(Region, FakeInstance.Create("i-0web", "web-1", "10.0.0.5"));
        fake.DenyDescribeSecurityGroups = true;
        var inventory = _bed.Inventory(_bed.Options(account));

        await inventory.RefreshNowAsync(CancellationToken.None);

        var status = inventory.Current.FindAccount("dev-a")!;
        Assert.False(status.IsStale);
        Assert.Equal(["i-0web"], status.Instances.Select(i => i.InstanceId));
        Assert.Equal(
            "security groups not read, so instances are not checked for SSH open to the internet: ec2:DescribeSecurityGroups for account dev-a (111111111111) "
            + "in eu-west-1 failed (UnauthorizedOperation: You are not authorized to perform this operation.); grant ec2:DescribeSecurityGroups to " + account.RoleArn,
            status.SecurityGroupsError);
        // The status command and the admin page show it in the account's row, which stays fresh.
        var record = InventoryState.ToRecord(status);
        Assert.Equal(status.SecurityGroupsError, record.LastError);
        Assert.Equal(0, record.ConsecutiveFailures);
        Assert.Equal(["111111111111"], SshBypassDetector.UncheckedAccounts(inventory.Current));
    }

    [Fact]
    public async Task An_open_rule_is_found_at_every_refresh_it_holds_kept_while_groups_cannot_be_read_and_gone_with_the_rule()
    {
        var account = _bed.Account("111111111111", "dev-a");
        var fake = _bed.Model.Account(account.Id);
        fake.AddSecurityGroup(Region, FakeSecurityGroup.Create("sg-0web", "web", FakeIpPermission.Tcp(22, 22, "0.0.0.0/0"), FakeIpPermission.Tcp(443, 443, "0.0.0.0/0")));
        var web = FakeInstance.Create("i-0web", "web-1", "10.0.0.5");
        web.PublicIp = "203.0.113.10";
        web.SecurityGroupIds = ["sg-0web"];
        fake.AddInstance(Region, web);
        var inventory = _bed.Inventory(_bed.Options(account));
        const string subject = "i-0web/sg-0web/tcp/22-22/0.0.0.0/0";

        await inventory.RefreshNowAsync(CancellationToken.None);
        var first = Assert.Single(SshBypassDetector.Find(inventory.Current));
        Assert.Equal(subject, first.Subject);
        Assert.Equal("203.0.113.10", first.Data["public_ip"]);

        await inventory.RefreshNowAsync(CancellationToken.None);
        Assert.Equal([subject], SshBypassDetector.Find(inventory.Current).Select(f => f.Subject));

        // Permission taken away: the groups read before stand, so the finding does not seem to close.
        fake.DenyDescribeSecurityGroups = true;
        await inventory.RefreshNowAsync(CancellationToken.None);
        Assert.NotNull(inventory.Current.FindAccount("dev-a")!.SecurityGroupsError);
        Assert.Equal([subject], SshBypassDetector.Find(inventory.Current).Select(f => f.Subject));

        fake.DenyDescribeSecurityGroups = false;
        fake.UpdateSecurityGroup("sg-0web", g => g.Inbound.RemoveAt(0));
        await inventory.RefreshNowAsync(CancellationToken.None);
        Assert.Null(inventory.Current.FindAccount("dev-a")!.SecurityGroupsError);
        Assert.Empty(SshBypassDetector.Find(inventory.Current));
        Assert.Empty(SshBypassDetector.UncheckedAccounts(inventory.Current));
    }

    [Fact]
    public void Instances_saved_before_public_ips_and_groups_were_read_still_load()
    {
        // What InventoryState.ToRecord wrote before PublicIp and SecurityGroupIds existed.
        const string saved = """
            [{"instanceId":"i-0old","name":"web-1","state":"running","privateIps":["10.0.0.5"],"privateDnsName":null,"vpcId":"vpc-1",
              "accountId":"111111111111","accountAlias":"dev-a","region":"eu-west-1","tags":{"Name":"web-1"},"launchTime":null}]
            """;

        var old = Assert.Single(InventoryState.Deserialize(saved));

        Assert.Equal(("i-0old", "10.0.0.5"), (old.InstanceId, old.PrimaryPrivateIp));
        Assert.Null(old.PublicIp);
        Assert.Empty(old.SecurityGroupIds);
        Assert.Empty(Assert.Single(InventoryState.Deserialize(saved.Replace("\"launchTime\":null", "\"launchTime\":null,\"securityGroupIds\":null", StringComparison.Ordinal))).SecurityGroupIds);
    }

    [Fact]
    public void Public_ip_and_group_ids_are_saved_and_read_back()
    {
        var instance = new Ec2Instance("i-0new", "web-1", "running", ["10.0.0.5"], null, "vpc-1", "111111111111", "dev-a", Region,
            new Dictionary<string, string> { ["Name"] = "web-1" }, null)
        {
            PublicIp = "203.0.113.10",
            SecurityGroupIds = ["sg-0a", "sg-0b"],
        };
        var status = Ec2AccountStatus.NotYetRefreshed(new Ec2AccountOptions { Id = "111111111111", Alias = "dev-a" }) with { Instances = [instance] };

        var json = InventoryState.ToRecord(status).InstancesJson;
        var read = Assert.Single(InventoryState.Deserialize(json));

        Assert.Equal("203.0.113.10", read.PublicIp);
        Assert.Equal(["sg-0a", "sg-0b"], read.SecurityGroupIds);
        Assert.Contains("\"publicIp\":\"203.0.113.10\"", json, StringComparison.Ordinal);
        Assert.Equal(JsonValueKind.Array, JsonDocument.Parse(json).RootElement.EnumerateArray().First().GetProperty("securityGroupIds").ValueKind);
    }
}
