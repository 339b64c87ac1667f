using System.Globalization;
using Bastion.FakeAws;
using Bastion.Gateway.Tests.Infrastructure;

namespace Bastion.Gateway.Tests.EndToEnd;

/// <summary>
/// Issue 3/5 end to end: the gateway reads instances from a local EC2+STS endpoint (SigV4 and the AssumeRole flow
/// checked by the fake), and real OpenSSH reaches an instance by its Name tag; the instance's private IP is the
/// loopback alias of a real sshd. Ambiguous, stopped and unknown names are refused with sentences that help.
/// </summary>
public sealed class Ec2ResolutionTests : IAsyncLifetime
{
    private const string Region = "eu-west-1";
    private const string DevA = "111111111111";
    private const string DevB = "222222222222";
    private const string Broken = "333333333333";

    private FakeAwsServer _aws = null!;
    private BastionTestbed _bed = null!;

    public async Task InitializeAsync()
    {
        // xUnit does not dispose a class whose initialisation failed: stop what was started, or its gateway and sshd
        // outlive the test run (and keep refreshing from a fake AWS that is gone).
        try
        {
            await StartAsync();
        }
        catch
        {
            await DisposeAsync();
            throw;
        }
    }

    private async Task StartAsync()
    {
        _aws = await FakeAwsServer.StartAsync();
        _aws.Model.AddAccount(DevA);
        _aws.Model.AddAccount(DevB);
        _aws.Model.AddAccount(Broken).DenyDescribeInstances = true;
        var settings = FakeEc2Settings.DataEnvironment(_aws.ServiceUrl,
            [(DevA, "dev-a", FakeEc2Settings.WideRanges), (DevB, "dev-b", ["127.0.15.0/24"]), (Broken, "dev-c", ["127.0.14.0/24"])]);
        _bed = await BastionTestbed.StartAsync(FakeEc2Settings.Environment, settings);
        // The testbed's static target sits at the sshd's address, which app-1 claims below: one owner per address.
        await GatewayCli.RunCheckedAsync(_bed.DataDirectory, "target", "remove", BastionTestbed.TargetName);

        // The instance "app-1" in dev-a lives at the address of the testbed's real sshd.
        var address = _bed.Target.Address.ToString();
        _aws.Model.Account(DevA).AddInstance(Region, FakeInstance.Create("i-0a11ce", "app-1", address));
        _aws.Model.Account(DevA).AddInstance(Region, Stopped(FakeInstance.Create("i-0057ab", "old-1", "127.0.99.7")));
        _aws.Model.Account(DevA).AddInstance(Region, FakeInstance.Create("i-0dup1", "twin", "127.0.99.11"));
        _aws.Model.Account(DevB).AddInstance(Region, FakeInstance.Create("i-0dup2", "twin", "127.0.15.22"));
        await WaitForInstancesAsync(4);
    }

    [Fact]
    public async Task Ssh_by_name_tag_reaches_the_instance_and_the_audit_names_it()
    {
        await _bed.AddAutomationUserAsync("ec2user");
        var client = _bed.NewClient("ec2user");
        client.Ssh.TrustHostKey("app-1.dev", 22, _bed.Target.HostKeyLine);

        var result = await client.Ssh.SshAsync("app-1.dev", "echo via-ec2");

        Assert.True(result.Succeeded, result.Describe() + _bed.Logs());
        Assert.Equal("via-ec2\n", result.StandardOutput);
        var audit = await _bed.WaitForAuditAsync(l => l.Any(e => client.Owns(e) && e.Type == "channel.open"), "the channel.open to app-1");
        var open = Assert.Single(audit, e => client.Owns(e) && e.Type == "channel.open");
        Assert.Equal("app-1", open["target"]);
        Assert.Equal("i-0a11ce", open["instance_id"]);
        Assert.Equal(DevA, open["account_id"]);
        Assert.Equal("dev-a", open["account_alias"]);
        Assert.Equal(Region, open["region"]);
        Assert.Equal("vpc-0fa4e5d1", open["vpc"]);
        Assert.Equal($"{_bed.Target.Address}:22", open["address"]);
        Assert.True(long.Parse(open["snapshot_age_s"]!, CultureInfo.InvariantCulture) < 60);
    }

    [Fact]
    public async Task Ambiguous_stopped_and_unknown_names_are_refused_with_clear_messages()
    {
        await _bed.AddAutomationUserAsync("ec2names");
        var client = _bed.NewClient("ec2names");

        var twin = await client.Ssh.SshAsync("twin.dev", "true");
        Assert.False(twin.Succeeded);
        Assert.Contains("twin matches 2 instances: twin.dev-a (i-0dup1, 127.0.99.11), twin.dev-b (i-0dup2, 127.0.15.22)", twin.StandardError);

        var stopped = await client.Ssh.SshAsync("old-1.dev", "true");
        Assert.Contains("old-1 (i-0057ab in dev-a, eu-west-1) is stopped", stopped.StandardError);

        var typo = await client.Ssh.SshAsync("app1.dev", "true");
        Assert.Contains("did you mean app-1", typo.StandardError);
    }

    [Fact]
    public async Task Cli_resolves_forward_and_reverse_and_reports_the_failing_account_as_stale()
    {
        var resolve = await GatewayCli.RunCheckedAsync(_bed.DataDirectory, "inventory", "resolve", "twin.dev-b.dev");
        Assert.Contains("instance i-0dup2, running, account dev-b (222222222222)", resolve.StandardOutput);

        var reverse = await GatewayCli.RunCheckedAsync(_bed.DataDirectory, "inventory", "resolve", _bed.Target.Address.ToString());
        Assert.Contains($"{_bed.Target.Address} belongs to app-1 (i-0a11ce in dev-a)", reverse.StandardOutput);

        var list = await GatewayCli.RunCheckedAsync(_bed.DataDirectory, "inventory", "list", "--account", "dev-a");
        Assert.Contains("old-1", list.StandardOutput);
        Assert.DoesNotContain("i-0dup2", list.StandardOutput);

        var status = await GatewayCli.RunCheckedAsync(_bed.DataDirectory, "inventory", "status");
        var broken = status.StandardOutput.Split('\n').Single(l => l.StartsWith("dev-c", StringComparison.Ordinal));
        Assert.Contains(" yes ", broken);
        Assert.Contains("ec2:DescribeInstances", broken);
        var healthy = status.StandardOutput.Split('\n').Single(l => l.StartsWith("dev-a", StringComparison.Ordinal));
        Assert.Contains(" no ", healthy);

        await _bed.WaitForAuditAsync(l => l.Any(e => e.Type == "inventory.refresh_failed" && e["account_alias"] == "dev-c"), "the refresh failure of dev-c");
        // The fake saw the role flow: each account's DescribeInstances was signed with the credentials its AssumeRole issued.
        Assert.Contains(_aws.Model.AssumeRoleCalls, c => c.RoleArn.Contains(DevA, StringComparison.Ordinal));
    }

    public async Task DisposeAsync()
    {
        if (_bed is not null)
        {
            await _bed.DisposeAsync();
        }
        if (_aws is not null)
        {
            await _aws.DisposeAsync();
        }
    }

    private static FakeInstance Stopped(FakeInstance instance)
    {
        instance.State = "stopped";
        return instance;
    }

    private async Task WaitForInstancesAsync(int expected)
    {
        var deadline = DateTime.UtcNow.AddSeconds(30);
        string last = "";
        while (DateTime.UtcNow < deadline)
        {
            var list = await GatewayCli.RunAsync(_bed.DataDirectory, "inventory", "list");
            last = list.StandardOutput;
            if (last.Split('\n').Count(l => l.Contains(" i-0", StringComparison.Ordinal)) >= expected)
            {
                return;
            }
            await Task.Delay(300);
        }
        throw new TimeoutException($"the gateway did not save {expected} instances within 30 s:\n{last}{_bed.Logs()}");
    }
}
