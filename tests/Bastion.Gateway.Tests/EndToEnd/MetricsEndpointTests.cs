using System.Globalization;
using System.Net;
using Bastion.Gateway.Tests.Infrastructure;

namespace Bastion.Gateway.Tests.EndToEnd;

/// <summary>
/// The ops endpoint of a real gateway: /metrics scraped while an <c>ssh -J</c> session with key + TOTP is open shows
/// the session, its channel, relayed bytes, a kex duration sample and auth results by method; /healthz says ok while
/// serving and 503 "draining" after SIGTERM while the session finishes.
/// </summary>
public sealed class MetricsEndpointTests
{
    private const int MetricsPort = 9122;

    [Fact]
    public async Task A_scrape_during_a_session_shows_it_and_healthz_turns_503_while_draining()
    {
        // A fresh loopback alias of its own, so the fixed default port cannot collide with another gateway.
        var metricsAddress = LoopbackAddresses.Shared.Next();
        await using var bed = await BastionTestbed.StartAsync(
            "--Bastion:Metrics:Enabled=true", $"--Bastion:Metrics:ListenAddress={metricsAddress}",
            "--Bastion:Ssh:ShutdownDrainSeconds=40");
        var secret = await bed.AddTotpUserAsync("metered");
        var client = bed.NewClient("metered");
        client.AnswerTotpWith(secret);

        var (status, body) = await MetricsScrape.GetAsync(metricsAddress, MetricsPort, "/healthz");
        Assert.True(status == HttpStatusCode.OK, $"/healthz answered {(int)status} {body}" + bed.Logs());
        Assert.Equal("ok\n", body);

        var session = client.Ssh.SshAsync(BastionTestbed.TargetHost, "head -c 100000 /dev/zero | od | tail -n 1; sleep 20; echo finished",
            new SshCallOptions { Timeout = TimeSpan.FromSeconds(120) });
        // The inner SSH handshake alone moves bytes both ways through the relay, while the channel stays open (sleep).
        var samples = await ScrapeUntilAsync(metricsAddress, s => Value(s, "bastion_gateway_active_channels") >= 1
            && Value(s, "bastion_gateway_relay_bytes_total", ("direction", "to_target")) > 0
            && Value(s, "bastion_gateway_relay_bytes_total", ("direction", "to_client")) > 0, "an open channel with bytes relayed both ways", session, bed);

        Assert.True(Value(samples, "bastion_gateway_active_sessions") >= 1, Dump(samples));
        Assert.True(Value(samples, "bastion_gateway_active_connections") >= 1, Dump(samples));
        Assert.True(Value(samples, "bastion_gateway_auth_results_total", ("method", "publickey"), ("result", "partial")) >= 1, Dump(samples));
        Assert.True(Value(samples, "bastion_gateway_auth_results_total", ("method", "keyboard-interactive"), ("result", "success")) >= 1, Dump(samples));
        Assert.True(Value(samples, "bastion_gateway_logins_total", ("mfa", "key+totp")) >= 1, Dump(samples));
        var kex = samples.Where(s => s.Name == "bastion_ssh_kex_duration_seconds_count" && s["phase"] == "initial").ToList();
        Assert.True(kex.Sum(s => s.Value) >= 1, Dump(samples));
        Assert.All(kex, s => Assert.False(string.IsNullOrEmpty(s["kex"])));
        Assert.Contains(samples, s => s.Name == "bastion_ssh_kex_duration_seconds_bucket" && s["le"] == "+Inf");
        Assert.True(Value(samples, "bastion_ssh_connections_total", ("result", "accepted")) >= 1, Dump(samples));
        Assert.Contains(samples, s => s.Name == "bastion_gateway_audit_queue_depth");
        // The descriptor budget: what is open, the limit, and what is left before refusals (limit − reserve − open).
        var open = Value(samples, "bastion_gateway_process_open_fds");
        var limit = Value(samples, "bastion_gateway_process_max_fds");
        Assert.True(open >= 10 && limit > open, Dump(samples));
        Assert.True(Value(samples, "bastion_gateway_process_fds_available") is var available && available > 0 && available < limit - open, Dump(samples));
        // No secrets or user names in labels.
        Assert.DoesNotContain(samples, s => s.Labels.Values.Any(v => v.Contains("metered", StringComparison.Ordinal) || v.Contains(secret, StringComparison.Ordinal)));

        NativeProcess.Signal(bed.Gateway.ProcessId, NativeProcess.SIGTERM);
        var draining = await HealthUntilAsync(metricsAddress, r => r.Status == HttpStatusCode.ServiceUnavailable, "503 after SIGTERM", bed);
        Assert.Contains("draining", draining.Body, StringComparison.Ordinal);

        var result = await session;
        Assert.True(result.Succeeded, result.Describe() + bed.Logs());
        Assert.EndsWith("finished\n", result.StandardOutput, StringComparison.Ordinal);
        Assert.Equal(0, await bed.Gateway.StopAsync(TimeSpan.FromSeconds(60)));
    }

    [Fact]
    public async Task A_recorded_session_is_counted_with_its_bytes()
    {
        var metricsAddress = LoopbackAddresses.Shared.Next();
        await using var bed = await BastionTestbed.StartAsync("--Bastion:Metrics:Enabled=true", $"--Bastion:Metrics:ListenAddress={metricsAddress}",
            "--Bastion:Recording:AllowedTargetUsers:0=root");
        bed.Target.AuthorizeKey((await GatewayCli.RunCheckedAsync(bed.DataDirectory, "recording", "client-key")).StandardOutput.Trim());
        await bed.AddAutomationUserAsync("recmeter");
        var client = bed.NewClient("recmeter");

        var result = await client.Ssh.SshAsync(bed.GatewayEndpoint("recmeter"), "root@web-1 echo recorded-and-counted");
        Assert.True(result.Succeeded, result.Describe() + bed.Logs());

        var deadline = DateTime.UtcNow.AddSeconds(15);
        IReadOnlyList<MetricSample> samples = [];
        while (DateTime.UtcNow < deadline && Value(samples, "bastion_gateway_recordings_total", ("result", "complete")) < 1)
        {
            samples = await MetricsScrape.ScrapeAsync(metricsAddress, MetricsPort);
            await Task.Delay(200);
        }
        Assert.True(Value(samples, "bastion_gateway_recordings_total", ("result", "complete")) == 1, Dump(samples));
        Assert.True(Value(samples, "bastion_gateway_recording_bytes_total") > "recorded-and-counted".Length, Dump(samples));
    }

    [Fact]
    public async Task A_connection_that_says_nothing_is_counted_and_not_audited_but_one_that_says_anything_is_audited()
    {
        var metricsAddress = LoopbackAddresses.Shared.Next();
        await using var bed = await BastionTestbed.StartAsync("--Bastion:Metrics:Enabled=true", $"--Bastion:Metrics:ListenAddress={metricsAddress}");
        var before = Value(await MetricsScrape.ScrapeAsync(metricsAddress, MetricsPort), "bastion_gateway_connections_silent_total");

        // What a load balancer's TCP health check does: connect, close.
        var silentSources = new List<string>();
        for (var i = 0; i < 5; i++)
        {
            await using var probe = await RawSshConnection.ConnectAsync(bed.Gateway.Address, bed.Gateway.Port);
            silentSources.Add(probe.LocalEndPoint.ToString());
        }
        string talkerSource;
        await using (var talker = await RawSshConnection.ConnectAsync(bed.Gateway.Address, bed.Gateway.Port))
        {
            talkerSource = talker.LocalEndPoint.ToString();
            // Read the gateway's line first and close with FIN: unread data at close would make it a reset, which
            // can discard what we sent before the gateway reads it.
            await talker.ReadServerIdentificationAsync();
            await talker.SendTextAsync("GET / HTTP/1.0\r\n");
            talker.ShutdownSend();
            await talker.WaitForCloseAsync(TimeSpan.FromSeconds(10));
        }

        var deadline = DateTime.UtcNow.AddSeconds(15);
        var samples = await MetricsScrape.ScrapeAsync(metricsAddress, MetricsPort);
        while (DateTime.UtcNow < deadline && Value(samples, "bastion_gateway_connections_silent_total") < before + 5)
        {
            await Task.Delay(200);
            samples = await MetricsScrape.ScrapeAsync(metricsAddress, MetricsPort);
        }
        Assert.True(Value(samples, "bastion_gateway_connections_silent_total") >= before + 5, Dump(samples));
        // Every source here is 127.0.0.1: the port tells the connections apart.
        static bool From(AuditLine e, string source) => e.Text.Contains($"src={source} ", StringComparison.Ordinal);
        var audit = await bed.WaitForAuditAsync(l => l.Any(e => e.Type == "disconnect" && From(e, talkerSource)), "the disconnect of the connection that spoke");
        Assert.Contains("identification", audit.Single(e => From(e, talkerSource))["reason"], StringComparison.Ordinal);
        Assert.DoesNotContain(audit, e => silentSources.Any(s => From(e, s)));
    }

    private static double Value(IReadOnlyList<MetricSample> samples, string name, params (string Key, string Value)[] labels) =>
        samples.Where(s => s.Name == name && labels.All(l => s[l.Key] == l.Value)).Sum(s => s.Value);

    private static string Dump(IReadOnlyList<MetricSample> samples) =>
        "\n" + string.Join('\n', samples.Where(s => s.Name.StartsWith("bastion_", StringComparison.Ordinal))
            .Select(s => $"{s.Name}{{{string.Join(',', s.Labels.Select(l => $"{l.Key}={l.Value}"))}}} {s.Value.ToString(CultureInfo.InvariantCulture)}"));

    private static async Task<IReadOnlyList<MetricSample>> ScrapeUntilAsync(IPAddress address, Func<IReadOnlyList<MetricSample>, bool> condition, string what,
        Task<ProcessResult> session, BastionTestbed bed)
    {
        var deadline = DateTime.UtcNow.AddSeconds(30);
        IReadOnlyList<MetricSample> samples = [];
        while (DateTime.UtcNow < deadline)
        {
            samples = await MetricsScrape.ScrapeAsync(address, MetricsPort);
            if (condition(samples))
            {
                return samples;
            }
            if (session.IsCompleted)
            {
                throw new InvalidOperationException($"the ssh session ended before {what} was seen: {(await session).Describe()}{bed.Logs()}");
            }
            await Task.Delay(200);
        }
        throw new TimeoutException($"no {what} in /metrics within 30 s:{Dump(samples)}{bed.Logs()}");
    }

    private static async Task<(HttpStatusCode Status, string Body)> HealthUntilAsync(IPAddress address, Func<(HttpStatusCode Status, string Body), bool> condition, string what, BastionTestbed bed)
    {
        var deadline = DateTime.UtcNow.AddSeconds(15);
        (HttpStatusCode, string) last = default;
        while (DateTime.UtcNow < deadline)
        {
            last = await MetricsScrape.GetAsync(address, MetricsPort, "/healthz");
            if (condition(last))
            {
                return last;
            }
            await Task.Delay(100);
        }
        throw new TimeoutException($"/healthz did not answer {what} within 15 s; last {last}{bed.Logs()}");
    }
}
