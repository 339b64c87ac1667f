using Bastion.Core.Tests.Support;
using Bastion.FakeAws;
using Bastion.Gateway.Tests.Infrastructure;

namespace Bastion.Gateway.Tests.EndToEnd;

/// <summary>
/// Issue [1/8] end to end: developers administer their own accounts, so the real gateway reads two accounts from the
/// local EC2/STS endpoint in which a developer tries what the issue found — an instance at another account's address,
/// one outside their account's ranges, Name tags that spell another account's names, an escape sequence in a tag —
/// and real OpenSSH clients show what users get. The instance the users mean runs a real sshd on a loopback alias.
/// </summary>
public sealed class UntrustedAccountsTests : IAsyncLifetime
{
    private const string Region = FakeEc2Settings.Region;
    private const string DevA = "111111111111";
    private const string DevB = "222222222222";
    private static readonly TimeSpan Wait = TimeSpan.FromSeconds(60);

    private FakeAwsServer _aws = null!;
    private WebhookReceiver _webhook = null!;
    private BastionTestbed _bed = null!;
    private string _appDns = "";

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
        _webhook = WebhookReceiver.Start();
        var settings = FakeEc2Settings.DataEnvironment(_aws.ServiceUrl, [(DevA, "dev-a", FakeEc2Settings.WideRanges), (DevB, "dev-b", ["127.0.15.0/24"])]);
        _bed = await BastionTestbed.StartAsync(FakeEc2Settings.Environment, settings, $"--Bastion:Alerts:WebhookUrl={_webhook.Url}");
        await GatewayCli.RunCheckedAsync(_bed.DataDirectory, "target", "remove", BastionTestbed.TargetName);

        // dev-a's instance the users mean, on the real sshd.
        var app = _aws.Model.Account(DevA).AddInstance(Region, FakeInstance.Create("i-0a11ce", "app-1", _bed.Target.Address.ToString()));
        _appDns = app.PrivateDnsName(Region).Split('.')[0];
        // The same address in both accounts: dev-b's lies outside dev-b's ranges, but claims it all the same.
        _aws.Model.Account(DevA).AddInstance(Region, FakeInstance.Create("i-0dupa", "dup-a", "127.0.99.50"));
        _aws.Model.Account(DevB).AddInstance(Region, FakeInstance.Create("i-0dupb", "dup-b", "127.0.99.50"));
        // dev-b's developer: an instance outside dev-b's ranges, and Name tags that spell dev-a's names.
        _aws.Model.Account(DevB).AddInstance(Region, FakeInstance.Create("i-0out", "outside", "127.0.98.7"));
        _aws.Model.Account(DevB).AddInstance(Region, FakeInstance.Create("i-0sq1", "app-1.dev-a", "127.0.15.30"));
        _aws.Model.Account(DevB).AddInstance(Region, FakeInstance.Create("i-0sq2", _appDns, "127.0.15.31"));
        // EC2's XML cannot carry ESC itself (nor does EC2 accept it in tags), but a C1 CSI and a bidi override it can.
        _aws.Model.Account(DevB).AddInstance(Region, FakeInstance.Create("i-0esc", "esc\u009b2J\u202ex", "127.0.15.32"));
        await WaitForAuditAsync(l => l.Count(e => e.Type == "inventory.instance_rejected") >= 4 && l.Any(e => e.Type == "alert.address_conflict"),
            "the refused instances and the address conflict");
    }

    public async Task DisposeAsync()
    {
        if (_bed is not null)
        {
            await _bed.DisposeAsync();
        }
        if (_webhook is not null)
        {
            await _webhook.DisposeAsync();
        }
        if (_aws is not null)
        {
            await _aws.DisposeAsync();
        }
    }

    [Fact]
    public async Task Two_accounts_claiming_one_address_are_both_refused_alerted_once_and_others_keep_working()
    {
        await _bed.AddAutomationUserAsync("conflict");
        var client = _bed.NewClient("conflict");
        client.Ssh.TrustHostKey("app-1.dev", 22, _bed.Target.HostKeyLine);

        foreach (var asked in new[] { "dup-a.dev", "dup-a.dev-a.dev", "i-0dupa.dev" })
        {
            var refused = await client.Ssh.SshAsync(asked, "true");
            Assert.False(refused.Succeeded, asked);
            Assert.Contains("its address 127.0.99.50 is claimed by dup-a (i-0dupa in dev-a) and dup-b (i-0dupb in dev-b)", refused.StandardError, StringComparison.Ordinal);
        }
        var dupB = await client.Ssh.SshAsync("dup-b.dev", "true");
        Assert.Contains("dup-b (i-0dupb in dev-b) is not a target: its primary private address 127.0.99.50 is outside the ranges registered for dev-b (127.0.15.0/24)",
            dupB.StandardError, StringComparison.Ordinal);

        var works = await client.Ssh.SshAsync("app-1.dev", "echo still-works");
        Assert.True(works.Succeeded, works.Describe() + _bed.Logs());
        Assert.Equal("still-works\n", works.StandardOutput);

        // By address (the test client sends only *.dev through the gateway, so the resolver is asked directly).
        var resolve = await GatewayCli.RunAsync(_bed.DataDirectory, "inventory", "resolve", "127.0.99.50");
        Assert.NotEqual(0, resolve.ExitCode);
        Assert.Contains("not resolved: dup-a cannot be reached: its address 127.0.99.50 is claimed by", resolve.StandardOutput, StringComparison.Ordinal);
        Assert.Contains("127.0.99.50 is claimed by 2 owners, so it is dialled for none of them:", resolve.StandardOutput, StringComparison.Ordinal);
        Assert.Contains("  dup-a (i-0dupa in dev-a)", resolve.StandardOutput, StringComparison.Ordinal);
        Assert.Contains("  dup-b (i-0dupb in dev-b) — not a target: its primary private address 127.0.99.50 is outside", resolve.StandardOutput, StringComparison.Ordinal);

        // Several more refreshes (every second) later, still one alert, and one webhook post for it.
        await _webhook.WaitForAsync(r => r.Body.Contains("address_conflict", StringComparison.Ordinal), "the address conflict alert", Wait);
        await Task.Delay(TimeSpan.FromSeconds(4));
        var audit = await AuditTail.ReadAsync(_bed.DataDirectory);
        var alert = Assert.Single(audit, e => e.Type == "alert.address_conflict");
        Assert.Equal("127.0.99.50", alert["address"]);
        Assert.Equal("warning", alert.Severity);
        var posts = _webhook.Requests.Where(r => r.Body.Contains("address_conflict", StringComparison.Ordinal)).ToList();
        Assert.Single(posts);
        Assert.Contains("127.0.99.50", posts[0].Body, StringComparison.Ordinal);
    }

    [Fact]
    public async Task An_instance_outside_its_accounts_ranges_is_not_a_target_and_is_listed_as_refused_once()
    {
        await _bed.AddAutomationUserAsync("outside");
        var client = _bed.NewClient("outside");

        var refused = await client.Ssh.SshAsync("outside.dev", "true");

        Assert.False(refused.Succeeded);
        Assert.Contains("outside (i-0out in dev-b) is not a target: its primary private address 127.0.98.7 is outside the ranges registered for dev-b",
            refused.StandardError, StringComparison.Ordinal);
        var status = await GatewayCli.RunCheckedAsync(_bed.DataDirectory, "inventory", "status");
        Assert.Contains("Refused (", status.StandardOutput, StringComparison.Ordinal);
        Assert.Contains("i-0out in dev-b (eu-west-1): not a target: its primary private address 127.0.98.7 is outside", status.StandardOutput, StringComparison.Ordinal);
        Assert.Contains("ALERT address conflicts (1)", status.StandardOutput, StringComparison.Ordinal);
        var list = await GatewayCli.RunCheckedAsync(_bed.DataDirectory, "inventory", "list");
        Assert.DoesNotContain("i-0out", list.StandardOutput, StringComparison.Ordinal);
        var doctor = await ProcessRunner.RunAsync(GatewayBinary.Spec(_bed.DataDirectory,
            ["doctor", $"--Bastion:Ssh:ListenAddress={_bed.Gateway.Address}", $"--Bastion:Ssh:Port={_bed.Gateway.Port.ToString(System.Globalization.CultureInfo.InvariantCulture)}"]));
        Assert.Contains(doctor.StandardOutput.Split('\n'), l => l.StartsWith("WARN inventory", StringComparison.Ordinal)
            && l.Contains("instances are not targets", StringComparison.Ordinal) && l.Contains("i-0out in dev-b", StringComparison.Ordinal));

        await Task.Delay(TimeSpan.FromSeconds(3));
        var audit = await AuditTail.ReadAsync(_bed.DataDirectory);
        var rejected = Assert.Single(audit, e => e.Type == "inventory.instance_rejected" && e["instance_id"] == "i-0out");
        Assert.Equal("false", rejected["still_a_target"]);
    }

    [Fact]
    public async Task Name_tags_that_spell_another_accounts_names_do_not_resolve_and_the_real_owner_still_does()
    {
        await _bed.AddAutomationUserAsync("squat");
        var client = _bed.NewClient("squat");
        client.Ssh.TrustHostKey($"{_appDns}.dev", 22, _bed.Target.HostKeyLine);
        client.Ssh.TrustHostKey("app-1.dev-a.dev", 22, _bed.Target.HostKeyLine);

        // Both names reach dev-a's app-1 (the real sshd), not dev-b's squatters at 127.0.15.30/31, where nothing listens.
        var byDns = await client.Ssh.SshAsync($"{_appDns}.dev", "echo via-private-dns");
        Assert.True(byDns.Succeeded, byDns.Describe() + _bed.Logs());
        Assert.Equal("via-private-dns\n", byDns.StandardOutput);
        var byAlias = await client.Ssh.SshAsync("app-1.dev-a.dev", "echo via-alias");
        Assert.True(byAlias.Succeeded, byAlias.Describe() + _bed.Logs());

        var audit = await _bed.WaitForAuditAsync(l => l.Count(e => client.Owns(e) && e.Type == "channel.open") >= 2, "squat's two channel opens");
        Assert.All(audit.Where(e => client.Owns(e) && e.Type == "channel.open"), e => Assert.Equal("i-0a11ce", e["instance_id"]));

        var status = await GatewayCli.RunCheckedAsync(_bed.DataDirectory, "inventory", "status");
        Assert.Contains($"i-0sq1 in dev-b (eu-west-1): its Name tag \"app-1.dev-a\" ends in .dev-a, an account alias", status.StandardOutput, StringComparison.Ordinal);
        Assert.Contains($"i-0sq2 in dev-b (eu-west-1): its Name tag \"{_appDns}\" looks like a private DNS name", status.StandardOutput, StringComparison.Ordinal);
        Assert.Contains("i-0esc in dev-b (eu-west-1): its Name tag \"esc\\x9b2J\\u202ex\" has characters outside", status.StandardOutput, StringComparison.Ordinal);
        Assert.DoesNotContain('\u009b', status.StandardOutput);
        Assert.DoesNotContain('\u202e', status.StandardOutput);
        var esc = await GatewayCli.RunAsync(_bed.DataDirectory, "inventory", "resolve", "esc");
        Assert.Contains("not resolved: no target named \"esc\"", esc.StandardOutput, StringComparison.Ordinal);
        // Refused names leave the instances reachable by id.
        var byId = await GatewayCli.RunCheckedAsync(_bed.DataDirectory, "inventory", "resolve", "i-0sq1");
        Assert.Contains("i-0sq1 → i-0sq1 at 127.0.15.30:22", byId.StandardOutput, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Ssh_open_to_the_internet_on_a_public_instance_is_alerted_once_and_cleared_when_the_rule_goes()
    {
        // 198.51.100.7 is a documentation address: only data here, the gateway never dials a public IP.
        var account = _aws.Model.Account(DevA);
        account.AddSecurityGroup(Region, FakeSecurityGroup.Create("sg-0open", "wide-open", FakeIpPermission.Tcp(22, 22, "0.0.0.0/0")));
        var instance = FakeInstance.Create("i-0pub", "pub-1", "127.0.99.60");
        instance.PublicIp = "198.51.100.7";
        instance.SecurityGroupIds = ["sg-0open"];
        account.AddInstance(Region, instance);

        var audit = await WaitForAuditAsync(l => l.Any(e => e.Type == "alert.ssh_bypass"), "the SSH bypass alert");
        var alert = Assert.Single(audit, e => e.Type == "alert.ssh_bypass");
        Assert.Equal("i-0pub", alert["instance_id"]);
        Assert.Equal("sg-0open", alert["group_id"]);
        Assert.Equal("198.51.100.7", alert["public_ip"]);
        Assert.Equal("tcp 22 from 0.0.0.0/0", alert["rule"]);
        // The address-conflict alert was posted at start: wait for this one, not for any.
        Assert.Single(await _webhook.WaitForAsync(r => r.Body.Contains("ssh_bypass", StringComparison.Ordinal), "the SSH bypass alert", Wait),
            r => r.Body.Contains("ssh_bypass", StringComparison.Ordinal));
        var status = await GatewayCli.RunCheckedAsync(_bed.DataDirectory, "inventory", "status");
        Assert.Contains("ALERT reachable without the bastion (1)", status.StandardOutput, StringComparison.Ordinal);

        // More refreshes: not raised again.
        await Task.Delay(TimeSpan.FromSeconds(4));
        Assert.Single(await AuditTail.ReadAsync(_bed.DataDirectory), e => e.Type == "alert.ssh_bypass");
        Assert.Single(_webhook.Requests, r => r.Body.Contains("ssh_bypass", StringComparison.Ordinal));

        // The rule goes: the finding clears (audited), and the status no longer lists it.
        account.UpdateSecurityGroup("sg-0open", g => g.Inbound = [FakeIpPermission.Tcp(22, 22, "10.0.0.0/8")]);
        var cleared = await WaitForAuditAsync(l => l.Any(e => e.Type == "inventory.finding_cleared" && e["kind"] == "ssh_bypass"), "the SSH bypass to clear");
        Assert.StartsWith("i-0pub/sg-0open/", Assert.Single(cleared, e => e.Type == "inventory.finding_cleared" && e["kind"] == "ssh_bypass")["subject"], StringComparison.Ordinal);
        status = await GatewayCli.RunCheckedAsync(_bed.DataDirectory, "inventory", "status");
        Assert.DoesNotContain("reachable without the bastion", status.StandardOutput, StringComparison.Ordinal);
    }

    private Task<IReadOnlyList<AuditLine>> WaitForAuditAsync(Func<IReadOnlyList<AuditLine>, bool> predicate, string what) =>
        _bed.WaitForAuditAsync(predicate, what, Wait);
}
