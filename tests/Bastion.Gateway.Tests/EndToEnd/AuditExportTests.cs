using System.Globalization;
using System.Net;
using System.Text.Json;
using Bastion.Gateway.Tests.Infrastructure;

namespace Bastion.Gateway.Tests.EndToEnd;

/// <summary>
/// Audit export end to end: a real OpenSSH login (ProxyJump, key + TOTP) through the gateway, with receivers on
/// 127.0.0.1 standing in for Graylog (GELF UDP and TCP) and rsyslog (RFC 5424 over TCP), plus the journald line on
/// the gateway's standard output; and receivers that are dead or hung, which must not hold up logins.
/// </summary>
public sealed class AuditExportTests
{
    private const string HostName = "bastion-e2e";

    [Fact]
    public async Task A_totp_login_reaches_graylog_over_udp_syslog_over_tcp_and_journald_on_stdout()
    {
        await using var gelf = new GelfUdpReceiver();
        await using var syslog = TcpFrameReceiver.Syslog();
        await using var bed = await BastionTestbed.StartAsync(
        [
            $"--Bastion:Audit:Export:HostName={HostName}",
            "--Bastion:Audit:Export:Stdout:Enabled=true",
            .. Exporter("Gelf", "udp", gelf.Port), "--Bastion:Audit:Export:Gelf:MaxChunkSize=512",
            .. Exporter("Syslog", "tcp", syslog.Port),
        ]);
        var (client, success, open) = await LogInWithTotpAsync(bed, "export-alice");
        var address = client.SourceAddress.ToString();

        // Graylog: valid GELF 1.1 for every event of this login; auth.success and channel.open carry who, from where, to what.
        var received = await gelf.WaitForAsync(
            m => m.Select(AuditExportChecks.ParseGelf).Any(j => j.Text("_type") == "channel.close" && j.Text("_src_ip") == address),
            $"GELF channel.close from {address}");
        var mine = received.Select(AuditExportChecks.ParseGelf).Where(j => j.Text("_src_ip") == address).ToList();
        var auth = Assert.Single(mine, j => j.Text("_type") == "auth.success");
        Assert.Equal(HostName, auth.Text("host"));
        Assert.Equal($"auth.success export-alice from {address}", auth.Text("short_message"));
        Assert.Equal(6, auth.GetProperty("level").GetInt32());
        Assert.Equal("export-alice", auth.Text("_user"));
        Assert.Equal(success.Seq.ToString(CultureInfo.InvariantCulture), auth.Text("_seq"));
        Assert.Equal(success.Source[(success.Source.LastIndexOf(':') + 1)..], auth.Text("_src_port"));
        Assert.Equal(JsonValueKind.Number, auth.GetProperty("_src_port").ValueKind);
        Assert.Equal("totp", auth.Text("_mfa"));
        Assert.Equal(64, auth.Text("_hash")!.Length);
        var gelfOpen = Assert.Single(mine, j => j.Text("_type") == "channel.open");
        Assert.Equal(BastionTestbed.TargetName, gelfOpen.Text("_target"));
        Assert.Equal(open.Seq.ToString(CultureInfo.InvariantCulture), gelfOpen.Text("_seq"));
        Assert.Equal(auth.Text("_session_id"), gelfOpen.Text("_session_id"));
        Assert.NotNull(auth.Text("_session_id"));
        Assert.True(gelf.ChunkCount > 0, "no message exceeded MaxChunkSize=512, so GELF chunking was not exercised");

        // rsyslog: RFC 5424 with octet-counted TCP framing, facility authpriv.
        var frames = await syslog.WaitForAsync(
            m => m.Select(AuditExportChecks.ParseSyslog).Any(s => s?.MsgId == "channel.close" && s["src"]?.StartsWith(address + ":", StringComparison.Ordinal) == true),
            $"syslog channel.close from {address}");
        Assert.All(frames, f => Assert.True(AuditExportChecks.ParseSyslog(f) is not null, "not RFC 5424: " + f));
        var sysAuth = Assert.Single(frames.Select(AuditExportChecks.ParseSyslog), s => s!.MsgId == "auth.success" && s["src"] == success.Source)!;
        Assert.Equal(10 * 8 + 6, sysAuth.Pri);
        Assert.Equal(HostName, sysAuth.Host);
        Assert.Equal("bastion", sysAuth.AppName);
        Assert.Equal("export-alice", sysAuth["user"]);
        Assert.Equal(success.Seq.ToString(CultureInfo.InvariantCulture), sysAuth["seq"]);
        Assert.Equal($"auth.success export-alice from {address}", sysAuth.Msg);
        var sysOpen = Assert.Single(frames.Select(AuditExportChecks.ParseSyslog), s => s!.MsgId == "channel.open" && s["src"] == success.Source)!;
        Assert.Equal(BastionTestbed.TargetName, sysOpen["target"]);

        // journald: one "<6>{json}" line per event on standard output, the same fields as audit.jsonl.
        var stdoutLine = bed.Gateway.Output.Split('\n')
            .FirstOrDefault(l => l.StartsWith("<6>{", StringComparison.Ordinal) && l.Contains($"\"seq\":{success.Seq},", StringComparison.Ordinal));
        Assert.True(stdoutLine is not null, "no <6>{…} line for auth.success on the gateway's stdout" + bed.Logs());
        using var line = JsonDocument.Parse(stdoutLine[3..]);
        Assert.Equal("auth.success", line.RootElement.GetProperty("type").GetString());
        Assert.Equal("export-alice", line.RootElement.GetProperty("user").GetString());
        Assert.Equal(success.Source, line.RootElement.GetProperty("src").GetString());
    }

    [Fact]
    public async Task A_totp_login_reaches_graylog_over_tcp_while_syslog_udp_has_no_listener()
    {
        await using var gelf = TcpFrameReceiver.Gelf();
        var deadUdpPort = FreeUdpPort();
        await using var bed = await BastionTestbed.StartAsync(
        [
            "--Bastion:Audit:Export:WarningIntervalSeconds=1",
            .. Exporter("Gelf", "tcp", gelf.Port),
            .. Exporter("Syslog", "udp", deadUdpPort),
        ]);
        var (client, success, open) = await LogInWithTotpAsync(bed, "export-bob");
        var address = client.SourceAddress.ToString();

        var received = await gelf.WaitForAsync(
            m => m.Select(AuditExportChecks.ParseGelf).Any(j => j.Text("_type") == "channel.close" && j.Text("_src_ip") == address),
            $"GELF channel.close from {address} over TCP");
        var mine = received.Select(AuditExportChecks.ParseGelf).Where(j => j.Text("_src_ip") == address).ToList();
        var auth = Assert.Single(mine, j => j.Text("_type") == "auth.success");
        Assert.Equal("export-bob", auth.Text("_user"));
        Assert.Equal(success.Seq.ToString(CultureInfo.InvariantCulture), auth.Text("_seq"));
        Assert.Equal(BastionTestbed.TargetName, Assert.Single(mine, j => j.Text("_type") == "channel.open").Text("_target"));
        Assert.Equal(open.Seq.ToString(CultureInfo.InvariantCulture), Assert.Single(mine, j => j.Text("_type") == "channel.open").Text("_seq"));

        // Nothing listens on the syslog port: the kernel's "port unreachable" surfaces as failed sends, logged, and the
        // login above was not affected. A second login works as well.
        var again = await LogInAsAutomationAsync(bed, "export-bob-bot");
        Assert.True(again.Succeeded, again.Describe() + bed.Logs());
        await WaitForOutputAsync(bed, o => o.Contains($"audit export syslog cannot send to udp://127.0.0.1:{deadUdpPort}", StringComparison.Ordinal),
            "a warning about failed syslog UDP sends");

        Assert.Equal(0, await bed.Gateway.StopAsync(TimeSpan.FromSeconds(30)));
        Assert.Matches(@"audit export syslog to udp://127\.0\.0\.1:\d+ stopped: \d+ sent, [1-9]\d* failed attempts", bed.Gateway.Output);
    }

    [Fact]
    public async Task Hung_and_absent_tcp_receivers_do_not_hold_up_logins_and_the_drop_count_rises()
    {
        using var hung = new StalledTcpListener();
        var refusedPort = LoopbackAddresses.FreePort(IPAddress.Loopback);
        await using var bed = await BastionTestbed.StartAsync(
        [
            "--Bastion:Audit:Export:WarningIntervalSeconds=1",
            .. Exporter("Gelf", "tcp", hung.Port),
            "--Bastion:Audit:Export:Gelf:QueueCapacity=2",
            "--Bastion:Audit:Export:Gelf:SendBufferBytes=1024",    // the hung receiver fills it within a few logins
            "--Bastion:Audit:Export:Gelf:SendTimeoutSeconds=600",  // and the exporter stays stuck for the whole test
            .. Exporter("Syslog", "tcp", refusedPort),
            "--Bastion:Audit:Export:Syslog:QueueCapacity=2",
        ]);

        var (first, _, _) = await LogInWithTotpAsync(bed, "stuck-carol");
        var clients = new List<GatewayClient> { first };
        await bed.AddAutomationUserAsync("stuck-bot");
        // Logins go on while both exporters are stuck; keep going (bounded) until both have reported rising drop counts.
        for (var i = 0; i < 12 && (i < 4 || !AuditExportChecks.DropsRose(bed.Gateway.Output, "gelf") || !AuditExportChecks.DropsRose(bed.Gateway.Output, "syslog")); i++)
        {
            var client = bed.NewClient("stuck-bot");
            var result = await client.Ssh.SshAsync(BastionTestbed.TargetHost, "true");
            Assert.True(result.Succeeded, $"login {i + 2} failed while the exporters were stuck: " + result.Describe() + bed.Logs());
            clients.Add(client);
        }

        Assert.True(hung.Accepted >= 1, "the GELF exporter never connected to the hung receiver" + bed.Logs());
        Assert.True(AuditExportChecks.DropsRose(bed.Gateway.Output, "gelf"),
            $"GELF drop warnings: [{string.Join(", ", AuditExportChecks.DropCounts(bed.Gateway.Output, "gelf"))}]" + bed.Logs());
        Assert.True(AuditExportChecks.DropsRose(bed.Gateway.Output, "syslog"),
            $"syslog drop warnings: [{string.Join(", ", AuditExportChecks.DropCounts(bed.Gateway.Output, "syslog"))}]" + bed.Logs());
        Assert.Contains($"audit export syslog cannot send to tcp://127.0.0.1:{refusedPort}", bed.Gateway.Output, StringComparison.Ordinal);

        // The trail itself lost nothing: every login's channel.close is there.
        await bed.WaitForAuditAsync(l => clients.All(c => l.Any(e => c.Owns(e) && e.Type == "channel.close")), $"channel.close of all {clients.Count} logins");

        // Shutdown drains for a bounded time, gives up on the hung receiver and exits cleanly.
        Assert.Equal(0, await bed.Gateway.StopAsync(TimeSpan.FromSeconds(30)));
        Assert.Matches(@"audit export gelf to tcp://127\.0\.0\.1:\d+ stopped: \d+ sent, \d+ failed attempts, [1-9]\d* dropped", bed.Gateway.Output);
    }

    private static string[] Exporter(string section, string transport, int port) =>
    [
        $"--Bastion:Audit:Export:{section}:Enabled=true",
        $"--Bastion:Audit:Export:{section}:Transport={transport}",
        $"--Bastion:Audit:Export:{section}:Host=127.0.0.1",
        $"--Bastion:Audit:Export:{section}:Port={port.ToString(CultureInfo.InvariantCulture)}",
    ];

    /// <summary>Adds a TOTP user and logs in through the gateway (ProxyJump) running "true"; returns the client and its audit events.</summary>
    private static async Task<(GatewayClient Client, AuditLine Success, AuditLine Open)> LogInWithTotpAsync(BastionTestbed bed, string user)
    {
        var secret = await bed.AddTotpUserAsync(user);
        var client = bed.NewClient(user);
        client.AnswerTotpWith(secret);
        var result = await client.Ssh.SshAsync(BastionTestbed.TargetHost, "true");
        Assert.True(result.Succeeded, result.Describe() + bed.Logs());
        var audit = await bed.WaitForAuditAsync(l => l.Any(e => client.Owns(e) && e.Type == "channel.close"), $"{user}'s channel.close");
        var success = Assert.Single(audit, e => client.Owns(e) && e.Type == "auth.success");
        Assert.Equal("totp", success["mfa"]);
        return (client, success, Assert.Single(audit, e => client.Owns(e) && e.Type == "channel.open"));
    }

    private static async Task<ProcessResult> LogInAsAutomationAsync(BastionTestbed bed, string user)
    {
        await bed.AddAutomationUserAsync(user);
        return await bed.NewClient(user).Ssh.SshAsync(BastionTestbed.TargetHost, "true");
    }

    private static async Task WaitForOutputAsync(BastionTestbed bed, Func<string, bool> predicate, string what)
    {
        for (var i = 0; i < 200 && !predicate(bed.Gateway.Output); i++)
        {
            await Task.Delay(100);
        }
        Assert.True(predicate(bed.Gateway.Output), $"gateway output never showed {what}" + bed.Logs());
    }

    private static int FreeUdpPort()
    {
        using var udp = new System.Net.Sockets.UdpClient(new IPEndPoint(IPAddress.Loopback, 0));
        return ((IPEndPoint)udp.Client.LocalEndPoint!).Port;
    }
}
