using System.Net;
using Bastion.Gateway.Tests.Infrastructure;
using Npgsql;

namespace Bastion.Gateway.Tests.Failures;

/// <summary>
/// The database goes away under a running gateway (a PostgreSQL failover; here a proxy between them resets every
/// connection): the open session carries on, a new login is refused with a sentence saying why, the gateway stays
/// up and its /healthz turns 503, and once the database is back every event of the outage is in the audit trail and the chain verifies.
/// </summary>
public sealed class StoreOutageTests
{
    [Fact]
    public async Task Open_sessions_survive_new_logins_are_refused_clearly_and_no_audit_event_is_lost()
    {
        await using var database = await PostgresTestDatabase.CreateAsync();
        var direct = new NpgsqlConnectionStringBuilder(database.ConnectionString);
        await using var proxy = new SeverableTcpProxy(new IPEndPoint(IPAddress.Parse(direct.Host!), direct.Port)).Start();
        // Short connect timeout: during the outage each attempt fails in seconds, not the default 15.
        var viaProxy = new NpgsqlConnectionStringBuilder(database.ConnectionString) { Host = "127.0.0.1", Port = proxy.EndPoint.Port, Timeout = 3 };
        var metricsAddress = LoopbackAddresses.Shared.Next();
        await using var bed = await BastionTestbed.StartAsync(null,
            new Dictionary<string, string> { ["Bastion__Store__Provider"] = "postgres", ["Bastion__Store__ConnectionString"] = viaProxy.ConnectionString },
            "--Bastion:Metrics:Enabled=true", $"--Bastion:Metrics:ListenAddress={metricsAddress}");
        await bed.AddAutomationUserAsync("survivor");
        await bed.AddAutomationUserAsync("latecomer");
        var survivor = bed.NewClient("survivor");
        await using var session = survivor.Ssh.StartSsh(BastionTestbed.TargetHost, "echo started; sleep 8; echo finished");
        Assert.True(await session.WaitForOutputAsync(o => o.Contains("started", StringComparison.Ordinal), TimeSpan.FromSeconds(30)), session.Output + bed.Logs());
        await bed.WaitForAuditAsync(l => l.Any(e => e.Type == "channel.open" && e.User == "survivor"), "survivor's channel.open");

        proxy.Sever();
        var late = await bed.NewClient("latecomer").Ssh.SshAsync(BastionTestbed.TargetHost, "echo should-not-run");

        Assert.False(late.Succeeded);
        Assert.DoesNotContain("should-not-run", late.StandardOutput, StringComparison.Ordinal);
        Assert.Contains("cannot reach its database", late.StandardError, StringComparison.Ordinal);
        var (status, body) = await MetricsScrape.GetAsync(metricsAddress, MetricsPort, "/healthz");
        Assert.True(status == HttpStatusCode.ServiceUnavailable, $"/healthz during the outage: {(int)status} {body}");
        Assert.True(await session.WaitForExitAsync(TimeSpan.FromSeconds(40)), "the open session did not finish during the outage:\n" + session.Output + bed.Logs());
        Assert.Equal(0, session.ExitCode);
        Assert.Contains("finished", session.Output, StringComparison.Ordinal);
        Assert.False(bed.Gateway.HasExited, bed.Logs());

        proxy.Restore();
        Assert.Equal(HttpStatusCode.OK, await HealthAfterAsync(metricsAddress, TimeSpan.FromSeconds(30)));
        var audit = await bed.WaitForAuditAsync(
            l => l.Any(e => e.Type == "channel.close" && e.User == "survivor") && l.Any(e => e.Type == "disconnect" && e.User == "survivor"),
            "survivor's close and disconnect, written after the outage", TimeSpan.FromSeconds(60));
        Assert.Contains(audit, e => e.Type == "disconnect" && (e["reason"] ?? "").Contains("database", StringComparison.Ordinal));
        var verify = await GatewayCli.RunAsync(bed.DataDirectory, "audit", "verify");
        Assert.True(verify.ExitCode == 0, verify.Describe());
        var after = await bed.NewClient("latecomer").Ssh.SshAsync(BastionTestbed.TargetHost, "echo back");
        Assert.True(after.Succeeded, after.Describe() + bed.Logs());
    }

    private const int MetricsPort = 9122;

    /// <summary>Polls /healthz (bounded) until it answers 200; returns the last status.</summary>
    private static async Task<HttpStatusCode> HealthAfterAsync(IPAddress address, TimeSpan timeout)
    {
        var deadline = DateTime.UtcNow + timeout;
        var status = HttpStatusCode.ServiceUnavailable;
        while (DateTime.UtcNow < deadline && status != HttpStatusCode.OK)
        {
            await Task.Delay(250);
            status = (await MetricsScrape.GetAsync(address, MetricsPort, "/healthz")).Status;
        }
        return status;
    }
}
