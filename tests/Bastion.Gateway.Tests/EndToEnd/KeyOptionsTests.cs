using System.Globalization;
using System.Net;
using Bastion.Gateway.Tests.Infrastructure;

namespace Bastion.Gateway.Tests.EndToEnd;

/// <summary>
/// Issue 17, key options as sshd reads them: a real OpenSSH client through the real gateway, with keys enrolled by
/// <c>bastion key add</c> carrying authorized_keys options. Automation users (key only) so no TOTP is involved; each
/// test has its own user, and the audit events are picked by that user.
/// </summary>
public sealed class KeyOptionsTests(TestbedFixture fixture) : IClassFixture<TestbedFixture>
{
    private static readonly IPAddress Loopback1 = IPAddress.Parse("127.0.0.1");
    private static readonly IPAddress Loopback2 = IPAddress.Parse("127.0.0.2");

    private BastionTestbed Bed => fixture.Bed;

    [Fact]
    public async Task A_from_key_is_refused_from_another_address_and_accepted_from_its_own()
    {
        await Bed.AddAutomationUserAsync("fromkey", "from=\"127.0.0.2\"");

        var elsewhere = await Bed.NewClient("fromkey", sourceAddress: Loopback1).Ssh.SshAsync(BastionTestbed.TargetHost, "echo should-not-run");

        Assert.False(elsewhere.Succeeded, elsewhere.Describe());
        Assert.DoesNotContain("should-not-run", elsewhere.StandardOutput, StringComparison.Ordinal);
        Assert.Contains("key option from=\"127.0.0.2\" does not match 127.0.0.1", elsewhere.StandardError, StringComparison.Ordinal);
        Assert.Contains("Connect from an address the key allows", elsewhere.StandardError, StringComparison.Ordinal);
        var audit = await Bed.WaitForAuditAsync(l => l.Any(e => e.User == "fromkey" && e.Type == "auth.failure"), "fromkey's auth.failure");
        var failure = Assert.Single(audit, e => e.User == "fromkey" && e.Type == "auth.failure");
        // audit tail quotes a value with spaces but leaves the quotes inside it as they are: read the line itself.
        Assert.Contains("reason=\"key option from=\"127.0.0.2\" does not match 127.0.0.1\"", failure.Text, StringComparison.Ordinal);
        Assert.Equal("from", failure["key_option"]);
        Assert.Equal("127.0.0.1", failure.SourceAddress);
        Assert.DoesNotContain(audit, e => e.User == "fromkey" && e.Type == "auth.success");

        var home = await Bed.NewClient("fromkey", sourceAddress: Loopback2).Ssh.SshAsync(BastionTestbed.TargetHost, "echo from-home-$((40+2))");

        Assert.True(home.Succeeded, home.Describe() + Bed.Logs());
        Assert.Equal("from-home-42\n", home.StandardOutput);
        audit = await Bed.WaitForAuditAsync(l => l.Any(e => e.User == "fromkey" && e.Type == "auth.success"), "fromkey's auth.success");
        Assert.Equal("127.0.0.2", Assert.Single(audit, e => e.User == "fromkey" && e.Type == "auth.success").SourceAddress);
    }

    [Fact]
    public async Task A_key_past_its_expiry_time_is_refused()
    {
        // Seconds ahead, in sshd's YYYYMMDDHHMMSS form with Z: long enough to log in once, then wait it out.
        var expiry = DateTimeOffset.UtcNow.AddSeconds(20);
        var stamp = expiry.UtcDateTime.ToString("yyyyMMddHHmmss", CultureInfo.InvariantCulture) + "Z";
        await Bed.AddAutomationUserAsync("expiring", $"expiry-time=\"{stamp}\"");
        var client = Bed.NewClient("expiring");

        var before = await client.Ssh.SshAsync(BastionTestbed.TargetHost, "echo still-valid");
        Assert.True(DateTimeOffset.UtcNow < expiry, "the first login took until the key's expiry; the test machine is too slow for this test's timing");
        Assert.True(before.Succeeded, before.Describe() + Bed.Logs());

        await Task.Delay(expiry - DateTimeOffset.UtcNow + TimeSpan.FromSeconds(1.5));
        var after = await client.Ssh.SshAsync(BastionTestbed.TargetHost, "echo should-not-run");

        Assert.False(after.Succeeded, after.Describe());
        Assert.Contains($"key option expiry-time=\"{stamp}\" passed at {expiry.UtcDateTime:yyyy-MM-dd HH:mm:ss} UTC", after.StandardError, StringComparison.Ordinal);
        var audit = await Bed.WaitForAuditAsync(l => l.Any(e => e.User == "expiring" && e.Type == "auth.failure"), "expiring's auth.failure");
        Assert.Equal("expiry-time", Assert.Single(audit, e => e.User == "expiring" && e.Type == "auth.failure")["key_option"]);
    }

    [Fact]
    public async Task A_no_port_forwarding_key_logs_in_but_cannot_jump()
    {
        await Bed.AddAutomationUserAsync("nofwd", "no-port-forwarding");
        var client = Bed.NewClient("nofwd");

        // The listing: the gateway's own session channel still works.
        var listing = await client.Ssh.SshAsync(Bed.GatewayEndpoint("nofwd"), "list");
        Assert.True(listing.Succeeded, listing.Describe() + Bed.Logs());
        Assert.Contains(BastionTestbed.TargetName, listing.StandardOutput, StringComparison.Ordinal);

        var jump = await client.Ssh.SshAsync(Bed.GatewayEndpoint("nofwd"), null, new SshCallOptions { ExtraArgs = ["-W", $"{BastionTestbed.TargetHost}:22"] });

        Assert.False(jump.Succeeded, jump.Describe());
        Assert.Contains("key option no-port-forwarding forbids port forwarding, so this key cannot jump to targets", jump.StandardError, StringComparison.Ordinal);
        var audit = await Bed.WaitForAuditAsync(l => l.Any(e => e.User == "nofwd" && e.Type == "channel.denied"), "nofwd's channel.denied");
        var denied = Assert.Single(audit, e => e.User == "nofwd" && e.Type == "channel.denied");
        Assert.Equal("no-port-forwarding", denied["key_option"]);
        Assert.Equal($"{BastionTestbed.TargetHost}:22", denied["requested"]);
        Assert.DoesNotContain(audit, e => e.User == "nofwd" && e.Type == "channel.open");
    }

    [Fact]
    public async Task A_permitopen_key_reaches_the_target_it_names_and_no_other()
    {
        // A second static target, as an administrator adds one; nothing needs to listen there: the key refuses first.
        var web2 = LoopbackAddresses.Shared.Next();
        await GatewayCli.AddTargetAsync(Bed.DataDirectory, "web-2", $"{web2}:22");
        await Bed.AddAutomationUserAsync("onlyweb1", "permitopen=\"web-1:22\"");
        var client = Bed.NewClient("onlyweb1");

        var allowed = await client.Ssh.SshAsync(BastionTestbed.TargetHost, "echo reached-web-1");
        Assert.True(allowed.Succeeded, allowed.Describe() + Bed.Logs());
        Assert.Equal("reached-web-1\n", allowed.StandardOutput);

        var refused = await client.Ssh.SshAsync(Bed.GatewayEndpoint("onlyweb1"), null, new SshCallOptions { ExtraArgs = ["-W", "web-2.dev:22"] });

        Assert.False(refused.Succeeded, refused.Describe());
        Assert.Contains($"key option permitopen=\"web-1:22\" does not allow web-2.dev:22 (target web-2 at {web2}:22)", refused.StandardError, StringComparison.Ordinal);
        var audit = await Bed.WaitForAuditAsync(l => l.Any(e => e.User == "onlyweb1" && e.Type == "channel.denied"), "onlyweb1's channel.denied");
        var denied = Assert.Single(audit, e => e.User == "onlyweb1" && e.Type == "channel.denied");
        Assert.Equal("permitopen", denied["key_option"]);
        Assert.Equal("web-2", denied["target"]);
        Assert.Equal("web-1", Assert.Single(audit, e => e.User == "onlyweb1" && e.Type == "channel.open")["target"]);
    }

    [Fact]
    public async Task A_no_pty_key_gets_no_terminal_and_is_told_why()
    {
        await Bed.AddAutomationUserAsync("nopty", "no-pty");
        await Bed.AddAutomationUserAsync("withpty");

        // A terminal asked for with -t is refused; ssh then gives up, as it does when sshd refuses one.
        var forced = await Bed.NewClient("nopty").Ssh.SshAsync(Bed.GatewayEndpoint("nopty"), "list", new SshCallOptions { ExtraArgs = ["-tt"] });

        Assert.False(forced.Succeeded, forced.Describe());
        Assert.Contains("PTY allocation request failed", forced.StandardError, StringComparison.Ordinal);
        // The gateway's line saying why ("key option no-pty forbids a terminal") comes just before the refusal, but ssh
        // may close the channel before printing it; the trail is where the option is sure to be named.
        var audit = await Bed.WaitForAuditAsync(l => l.Any(e => e.User == "nopty" && e.Type == "channel.denied"), "nopty's channel.denied");
        var denied = Assert.Single(audit, e => e.User == "nopty" && e.Type == "channel.denied");
        Assert.Equal(("pty-req", "no-pty"), (denied["requested"], denied["key_option"]));

        // Without a terminal the same key works; a key without the option gets its terminal (lines end in \r\n).
        var plain = await Bed.NewClient("nopty").Ssh.SshAsync(Bed.GatewayEndpoint("nopty"), "list");
        Assert.True(plain.Succeeded, plain.Describe() + Bed.Logs());
        Assert.Contains(BastionTestbed.TargetName, plain.StandardOutput, StringComparison.Ordinal);
        var terminal = await Bed.NewClient("withpty").Ssh.SshAsync(Bed.GatewayEndpoint("withpty"), "list", new SshCallOptions { ExtraArgs = ["-tt"] });
        Assert.True(terminal.Succeeded, terminal.Describe() + Bed.Logs());
        Assert.Contains("\r\n", terminal.StandardOutput, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("command=\"echo hi\"", "key option command=\"echo hi\" is not accepted")]
    [InlineData("environment=\"PATH=/tmp\"", "key option environment=\"PATH=/tmp\" is not accepted")]
    [InlineData("expiry-time=\"20200101\"", "expiry-time=\"20200101\" is already past")]
    [InlineData("from=\"laptop.corp.example\"", "does not look up host names")]
    public async Task Key_add_refuses_options_the_gateway_cannot_honour_with_exit_2(string options, string message)
    {
        var user = "refused" + Guid.NewGuid().ToString("N")[..6];
        await GatewayCli.AddUserAsync(Bed.DataDirectory, user, automation: true);
        var key = await SshKeyPair.GenerateAsync(Bed.Directory.SubDirectory("refused-keys"), SshKeyType.Ed25519, "id_" + user);

        var result = await GatewayCli.RunAsync(Bed.DataDirectory, "key", "add", user, $"{options} {key.PublicKeyLine}");

        Assert.Equal(2, result.ExitCode);
        Assert.Contains(message, result.StandardError, StringComparison.Ordinal);
        Assert.StartsWith("bastion: line 1: ", result.StandardError, StringComparison.Ordinal);
        Assert.Equal("", (await GatewayCli.RunCheckedAsync(Bed.DataDirectory, "key", "list", user)).StandardOutput);
    }
}
