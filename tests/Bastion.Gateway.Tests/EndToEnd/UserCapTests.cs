using System.Globalization;
using System.Net;
using System.Net.Sockets;
using System.Text;
using System.Text.Json;
using Bastion.Gateway.Tests.Infrastructure;

namespace Bastion.Gateway.Tests.EndToEnd;

/// <summary>
/// Per-user caps (Bastion:Limits) against a real gateway, real OpenSSH clients and a real sshd target: one user's
/// extra login or channel is refused with a sentence naming the cap, while other users go on; refusals are audited and
/// alerted once, not per attempt; automation accounts have their own caps; a reload changes the caps for the next login.
/// </summary>
public sealed class UserCapTests : IDisposable
{
    private const string ConnectionsRefusal =
        "Bastion: alice already has 1 connection open through this gateway (limit Bastion:Limits:ConnectionsPerUser); close some (or share one with ControlMaster) and try again";

    private readonly TempDirectory _dir = new("bastion-caps");

    [Fact]
    public async Task A_login_over_ConnectionsPerUser_is_refused_with_the_cap_named_audited_once_while_another_user_forwards()
    {
        // One failure would lock alice out: the refusals must not count as authentication failures.
        await using var bed = await BastionTestbed.StartAsync("--Bastion:Limits:ConnectionsPerUser=1", "--Bastion:Mfa:MaxFailuresPerUser=1");
        var alice = await TotpUserAsync(bed, "alice");
        var bob = await TotpUserAsync(bed, "bob");

        alice.Client.Ssh.AskPass.SetAnswer(await alice.Codes.FreshCodeAsync());
        await using var held = alice.Client.Ssh.StartSsh(BastionTestbed.TargetHost, "sleep 120");
        await bed.WaitForAuditAsync(l => l.Any(e => e.Type == "channel.open" && e.User == "alice"), "alice's first connection forwarding");

        // A loop of logins: each is refused after a correct code, with the cap, its value and what to do.
        for (var attempt = 0; attempt < 2; attempt++)
        {
            alice.Client.Ssh.AskPass.SetAnswer(await alice.Codes.FreshCodeAsync());
            var refused = await alice.Client.Ssh.SshAsync(BastionTestbed.TargetHost, "echo should-not-run");
            Assert.False(refused.Succeeded, refused.Describe());
            Assert.Contains(ConnectionsRefusal, refused.StandardError, StringComparison.Ordinal);
            Assert.DoesNotContain("should-not-run", refused.StandardOutput, StringComparison.Ordinal);
        }

        // Meanwhile another user logs in and forwards as usual.
        bob.Client.Ssh.AskPass.SetAnswer(await bob.Codes.FreshCodeAsync());
        var forwarded = await bob.Client.Ssh.SshAsync(BastionTestbed.TargetHost, "echo forwarded-$((6*7))");
        Assert.True(forwarded.Succeeded, forwarded.Describe() + bed.Logs());
        Assert.Equal("forwarded-42", forwarded.StandardOutput.Trim());

        // Both refused connections are written down (their disconnects); the cap once, with one alert.
        var trail = await bed.WaitForAuditAsync(l => l.Count(e => e.Type == "disconnect" && alice.Client.Owns(e)) >= 2, "the refused logins' disconnects");
        var cap = Assert.Single(trail, e => e.Type == "limit.user_cap");
        Assert.Equal(("alice", "ConnectionsPerUser", "Bastion:Limits:ConnectionsPerUser", "1", "1", "false"),
            (cap.User, cap["cap"], cap["setting"], cap["limit"], cap["current"], cap["automation"]));
        var alert = Assert.Single(trail, e => e.Type == "alert.user_cap");
        Assert.Equal(("alice", "ConnectionsPerUser"), (alert.User, alert["cap"]));
        Assert.Contains("alice reached Bastion:Limits:ConnectionsPerUser (1)", alert["summary"], StringComparison.Ordinal);
        Assert.DoesNotContain(trail, e => e.Type is "auth.failure" or "auth.lockout" && e.User == "alice");

        // The first connection was never touched; once it ends, its lease is released and alice logs in again.
        Assert.False(held.HasExited, held.Output);
        await held.StopAsync();
        await bed.WaitForAuditAsync(l => l.Count(e => e.Type == "disconnect" && alice.Client.Owns(e)) >= 3, "the first connection's disconnect");
        alice.Client.Ssh.AskPass.SetAnswer(await alice.Codes.FreshCodeAsync());
        var again = await alice.Client.Ssh.SshAsync(BastionTestbed.TargetHost, "echo again-$((40+2))");
        Assert.True(again.Succeeded, again.Describe() + bed.Logs());
        Assert.Equal("again-42", again.StandardOutput.Trim());
    }

    [Fact]
    public async Task Channels_over_ChannelsPerUser_across_two_connections_are_refused_as_resource_shortage_until_one_closes()
    {
        await using var bed = await BastionTestbed.StartAsync("--Bastion:Limits:ChannelsPerUser=3");
        var carol = await TotpUserAsync(bed, "carol");
        var local = LoopbackAddresses.Shared.Next();
        await using var first = await ForwardAsync(bed, carol, local, LoopbackAddresses.FreePort(local));
        await using var second = await ForwardAsync(bed, carol, local, LoopbackAddresses.FreePort(local));

        // Three channels held over the two connections, each reaching the target's sshd.
        using var a1 = await ReachTargetAsync(first, bed);
        using var a2 = await ReachTargetAsync(first, bed);
        using var b1 = await ReachTargetAsync(second, bed);

        // The fourth is refused before the gateway dials anything; ssh says why.
        using var refused = new TcpClient();
        await refused.ConnectAsync(local, second.Port);
        Assert.Equal(0, await refused.GetStream().ReadAsync(new byte[64]).AsTask().WaitAsync(TimeSpan.FromSeconds(20)));
        const string expected = "open failed: resource shortage: Bastion: carol already has 3 channels open through this gateway (limit Bastion:Limits:ChannelsPerUser)";
        Assert.True(await second.Process.WaitForOutputAsync(o => o.Contains(expected, StringComparison.Ordinal), TimeSpan.FromSeconds(10)),
            second.Process.Output + bed.Logs());

        // Closing one frees its place (the lease goes with the channel), on either connection.
        a1.Dispose();
        await bed.WaitForAuditAsync(l => l.Any(e => e.Type == "channel.close" && e.User == "carol"), "the closed channel's channel.close");
        using var b2 = await ReachTargetAsync(second, bed);
        var trail = await bed.WaitForAuditAsync(l => l.Any(e => e.Type == "limit.user_cap"), "limit.user_cap");
        var cap = Assert.Single(trail, e => e.Type == "limit.user_cap");
        Assert.Equal(("carol", "ChannelsPerUser", "3", "3", "direct-tcpip"), (cap.User, cap["cap"], cap["limit"], cap["current"], cap["requested"]));
        Assert.Single(trail, e => e.Type == "alert.user_cap" && e.User == "carol");
    }

    [Fact]
    public async Task Automation_accounts_have_their_own_caps_including_channel_opens_per_minute_for_sessions_too()
    {
        // People get one connection and one channel open a minute here; the automation account gets 3 and 5.
        await using var bed = await BastionTestbed.StartAsync(
            "--Bastion:Limits:ConnectionsPerUser=1", "--Bastion:Limits:ChannelOpensPerMinute=1",
            "--Bastion:Limits:Automation:ConnectionsPerUser=3", "--Bastion:Limits:Automation:ChannelOpensPerMinute=5");
        await bed.AddAutomationUserAsync("deploy-bot");
        var knownHosts = _dir.File("known_hosts");
        await File.WriteAllTextAsync(knownHosts, bed.GatewayKnownHostsLine + "\n");

        // One asyncssh process: 4 connections with a channel each, then 3 more channels over the held ones.
        var run = await ProcessRunner.RunAsync(new ProcessSpec("/usr/bin/python3",
        [
            Path.Combine(RepositoryRoot.Path, "tests", "fixtures", "load", "limit_load.py"),
            "--host", bed.Gateway.Address.ToString(), "--port", bed.Gateway.Port.ToString(CultureInfo.InvariantCulture),
            "--user", "deploy-bot", "--key", bed.KeyOf("deploy-bot").PrivateKeyPath, "--known-hosts", knownHosts,
            "--target-host", BastionTestbed.TargetHost, "--target-port", "22",
            "--connections", "4", "--channels", "1", "--extra-channels", "3", "--rounds", "0", "--concurrency", "1", "--timeout", "60",
        ]) { Timeout = TimeSpan.FromSeconds(120) });
        Assert.True(run.Succeeded, run.Describe() + bed.Logs());
        using var report = JsonDocument.Parse(run.StandardOutput);
        var root = report.RootElement;
        Assert.Equal(3, root.GetProperty("held_connections").GetInt32());
        Assert.Equal(3, root.GetProperty("held_channels").GetInt32());
        var refusedConnection = Assert.Single(root.GetProperty("refused_connections").EnumerateObject());
        Assert.Contains("Bastion: deploy-bot already has 3 connections open through this gateway (limit Bastion:Limits:Automation:ConnectionsPerUser)",
            refusedConnection.Name, StringComparison.Ordinal);
        Assert.Equal(2, root.GetProperty("extra_channels_opened").GetInt32());
        var refusedChannel = Assert.Single(root.GetProperty("refused_extra_channels").EnumerateObject());
        Assert.Equal(1, refusedChannel.Value.GetInt32());
        Assert.Contains("Bastion: deploy-bot tried to open 6 channels through this gateway in the last minute (limit Bastion:Limits:Automation:ChannelOpensPerMinute)",
            refusedChannel.Name, StringComparison.Ordinal);

        // A session channel (ssh gateway list) within the same minute is refused the same way, by OpenSSH's words.
        var bot = bed.NewClient("deploy-bot");
        var listing = await bot.Ssh.SshAsync(bed.GatewayEndpoint("deploy-bot").SshUri, "list");
        Assert.False(listing.Succeeded, listing.Describe());
        Assert.Contains("open failed: resource shortage: Bastion: deploy-bot tried to open 7 channels through this gateway in the last minute " +
                        "(limit Bastion:Limits:Automation:ChannelOpensPerMinute)", listing.StandardError, StringComparison.Ordinal);

        var trail = await bed.WaitForAuditAsync(l => l.Count(e => e.Type == "limit.user_cap") >= 2, "both caps' limit.user_cap rows");
        Assert.Equal(["ChannelOpensPerMinute", "ConnectionsPerUser"],
            trail.Where(e => e.Type == "limit.user_cap").Select(e => e["cap"]!).Order(StringComparer.Ordinal));
        Assert.All(trail.Where(e => e.Type is "limit.user_cap" or "alert.user_cap"), e => Assert.Equal(("deploy-bot", "true"), (e.User, e["automation"])));
        Assert.Equal(2, trail.Count(e => e.Type == "alert.user_cap"));
    }

    [Fact]
    public async Task A_lower_cap_in_the_settings_file_applies_to_the_next_login_after_SIGHUP_and_spares_open_connections()
    {
        var config = _dir.File("bastion.json");
        await WriteSettingsAsync(config, """{ "Bastion": { "Limits": { "Automation": { "ConnectionsPerUser": 2 } } } }""");
        await using var bed = await BastionTestbed.StartAsync(new Dictionary<string, string?> { ["BASTION_CONFIG"] = config });
        await bed.AddAutomationUserAsync("ci");
        var ci = bed.NewClient("ci");

        await using var held = ci.Ssh.StartSsh(BastionTestbed.TargetHost, "sleep 120");
        await bed.WaitForAuditAsync(l => l.Any(e => e.Type == "channel.open" && e.User == "ci"), "ci's first connection forwarding");
        var second = await ci.Ssh.SshAsync(BastionTestbed.TargetHost, "echo second-$((1+1))");
        Assert.True(second.Succeeded, second.Describe() + bed.Logs());
        Assert.Equal("second-2", second.StandardOutput.Trim());

        await WriteSettingsAsync(config, """{ "Bastion": { "Limits": { "Automation": { "ConnectionsPerUser": 1 } } } }""");
        NativeProcess.Signal(bed.Gateway.ProcessId, NativeProcess.SIGHUP);
        var audit = await bed.WaitForAuditAsync(l => l.Any(e => e.Type == "config.reloaded"), "config.reloaded");
        Assert.Equal("Bastion:Limits:Automation:ConnectionsPerUser", Assert.Single(audit, e => e.Type == "config.reloaded")["changed"]);

        var third = await ci.Ssh.SshAsync(BastionTestbed.TargetHost, "echo should-not-run");
        Assert.False(third.Succeeded, third.Describe());
        Assert.Contains("Bastion: ci already has 1 connection open through this gateway (limit Bastion:Limits:Automation:ConnectionsPerUser)",
            third.StandardError, StringComparison.Ordinal);
        Assert.False(held.HasExited, held.Output);
    }

    /// <summary>A key+TOTP user with their own client and a source of codes the gateway has not seen.</summary>
    private static async Task<(GatewayClient Client, BastionTestUser Codes)> TotpUserAsync(BastionTestbed bed, string name)
    {
        var secret = await bed.AddTotpUserAsync(name);
        var client = bed.NewClient(name);
        return (client, new BastionTestUser(name, bed.KeyOf(name), secret, client.Ssh));
    }

    /// <summary>A logged-in <c>ssh -N -L ADDRESS:PORT:web-1.dev:22</c> whose listener is up; channels open as clients connect.</summary>
    private static async Task<Forward> ForwardAsync(BastionTestbed bed, (GatewayClient Client, BastionTestUser Codes) user, IPAddress address, int port)
    {
        user.Client.Ssh.AskPass.SetAnswer(await user.Codes.FreshCodeAsync());
        var process = user.Client.Ssh.StartSsh(bed.GatewayEndpoint(user.Codes.Name).SshUri, null, new SshCallOptions
        {
            ExtraArgs = ["-N", "-o", "ExitOnForwardFailure=yes", "-L", $"{address}:{port.ToString(CultureInfo.InvariantCulture)}:{BastionTestbed.TargetHost}:22"],
        });
        var deadline = DateTime.UtcNow.AddSeconds(30);
        // Binding (not connecting) tells whether ssh listens: a connection would open a channel.
        while (LoopbackAddresses.IsPortFree(address, port))
        {
            if (process.HasExited || DateTime.UtcNow > deadline)
            {
                Assert.Fail($"ssh -L did not start listening on {address}:{port}\n{process.Output}{bed.Logs()}");
            }
            await Task.Delay(100);
        }
        return new Forward(process, address, port);
    }

    /// <summary>Connects to the forward and reads the target sshd's identification line through the channel.</summary>
    private static async Task<TcpClient> ReachTargetAsync(Forward forward, BastionTestbed bed)
    {
        var client = new TcpClient();
        await client.ConnectAsync(forward.Address, forward.Port);
        var buffer = new byte[256];
        var read = await client.GetStream().ReadAsync(buffer).AsTask().WaitAsync(TimeSpan.FromSeconds(20));
        var text = Encoding.ASCII.GetString(buffer, 0, read);
        Assert.True(text.StartsWith("SSH-2.0-", StringComparison.Ordinal), $"no sshd banner through the forward: \"{text}\"\n{forward.Process.Output}{bed.Logs()}");
        return client;
    }

    private static async Task WriteSettingsAsync(string path, string json)
    {
        var temporary = path + ".new";
        await File.WriteAllTextAsync(temporary, json);
        File.Move(temporary, path, overwrite: true);
    }

    private sealed record Forward(BackgroundProcess Process, IPAddress Address, int Port) : IAsyncDisposable
    {
        public ValueTask DisposeAsync() => Process.DisposeAsync();
    }

    public void Dispose() => _dir.Dispose();
}
