using System.Net;
using Bastion.Gateway.Tests.Infrastructure;
using Npgsql;

namespace Bastion.Gateway.Tests.Failures;

/// <summary>
/// Node heartbeats when the database, not a node, is what failed. Two real gateway nodes on one PostgreSQL database,
/// heartbeats every second, dead after 6 s, with proxies between nodes and database that a test cuts:
/// a database outage longer than the dead-after time seen by every node retires none of them (before, the first node
/// back retired the other and recorded its running sessions as lost); a node cut off alone is retired by its peer,
/// and when it reaches the database again it says so and lists its still-running sessions live again.
/// </summary>
public sealed class StorePartitionTests : IAsyncLifetime
{
    private static readonly string[] FastHeartbeats = ["--Bastion:NodeHeartbeatSeconds=1", "--Bastion:NodeDeadAfterSeconds=6"];

    private PostgresTestDatabase _database = null!;
    private SeverableTcpProxy _proxy = null!;
    private BastionTestbed? _bed;
    private GatewayProcess? _nodeB;
    private readonly string _release = Path.Combine(Path.GetTempPath(), "bastion-partition-" + Guid.NewGuid().ToString("N"));

    public async Task InitializeAsync()
    {
        _database = await PostgresTestDatabase.CreateAsync();
        var direct = new NpgsqlConnectionStringBuilder(_database.ConnectionString);
        _proxy = new SeverableTcpProxy(new IPEndPoint(IPAddress.Parse(direct.Host!), direct.Port)).Start();
    }

    /// <summary>The database through the proxy, failing within seconds while it is cut.</summary>
    private string ViaProxy => new NpgsqlConnectionStringBuilder(_database.ConnectionString) { Host = "127.0.0.1", Port = _proxy.EndPoint.Port, Timeout = 3 }.ConnectionString;

    [Fact]
    public async Task A_database_outage_longer_than_the_dead_after_time_retires_no_node()
    {
        var bed = _bed = await BastionTestbed.StartAsync(null,
            new Dictionary<string, string> { ["Bastion__Store__Provider"] = "postgres", ["Bastion__Store__ConnectionString"] = ViaProxy },
            ["--Bastion:NodeId=node-a", .. FastHeartbeats]);
        var nodeB = _nodeB = await bed.StartAnotherNodeAsync("node-b", FastHeartbeats);
        await bed.AddAutomationUserAsync("steady");
        await using var session = bed.NewClientVia(nodeB, "steady").Ssh.StartSsh(BastionTestbed.TargetHost, HeldUntilReleased());
        Assert.True(await session.WaitForOutputAsync(o => o.Contains("started", StringComparison.Ordinal), TimeSpan.FromSeconds(30)), session.Output + nodeB.Output);
        await bed.WaitForAuditAsync(l => l.Any(e => e.Type == "channel.open" && e.User == "steady"), "steady's channel.open");

        _proxy.Sever();
        await Task.Delay(TimeSpan.FromSeconds(9));
        _proxy.Restore();
        // Past the dead-after time with both nodes beating again: time enough for a wrong verdict to show.
        await Task.Delay(TimeSpan.FromSeconds(10));

        var audit = await AuditTail.ReadAsync(bed.DataDirectory);
        Assert.DoesNotContain(audit, e => e.Type == "alert.node_lost");
        Assert.DoesNotContain(audit, e => e.Type == "session.lost");
        var nodes = (await GatewayCli.RunCheckedAsync(bed.DataDirectory, "node", "list")).StandardOutput;
        Assert.Contains("node-a", nodes, StringComparison.Ordinal);
        Assert.Contains("node-b", nodes, StringComparison.Ordinal);
        var live = (await GatewayCli.RunCheckedAsync(bed.DataDirectory, "session", "list")).StandardOutput;
        Assert.True(live.Contains("steady", StringComparison.Ordinal),
            $"steady's session is not listed live:\n{live}\n--- audit ---\n{string.Join("\n", audit.TakeLast(15).Select(e => e.Type + " " + e.User))}" +
            $"\n--- node a ---\n{bed.Gateway.Output}\n--- node b ---\n{nodeB.Output}");
        await File.WriteAllTextAsync(_release, "");
        Assert.True(await session.WaitForExitAsync(TimeSpan.FromSeconds(60)), "the session did not end: " + session.Output);
        Assert.True(session.ExitCode == 0 && session.Output.Contains("finished", StringComparison.Ordinal), $"exit code {session.ExitCode}, output:\n{session.Output}\n--- node b ---\n{nodeB.Output}");
    }

    [Fact]
    public async Task A_node_cut_off_alone_is_retired_by_its_peer_and_lists_its_running_sessions_again_when_it_is_back()
    {
        var bed = _bed = await BastionTestbed.StartOnPostgresAsync(_database, ["--Bastion:NodeId=node-a", .. FastHeartbeats]);
        var nodeB = _nodeB = await bed.StartAnotherNodeAsync("node-b", new Dictionary<string, string?> { ["Bastion__Store__ConnectionString"] = ViaProxy }, FastHeartbeats);
        await bed.AddAutomationUserAsync("islander");
        await using var session = bed.NewClientVia(nodeB, "islander").Ssh.StartSsh(BastionTestbed.TargetHost, HeldUntilReleased());
        Assert.True(await session.WaitForOutputAsync(o => o.Contains("started", StringComparison.Ordinal), TimeSpan.FromSeconds(30)), session.Output + nodeB.Output);
        await bed.WaitForAuditAsync(l => l.Any(e => e.Type == "channel.open" && e.User == "islander"), "islander's channel.open");

        _proxy.Sever();
        var retired = await bed.WaitForAuditAsync(l => l.Any(e => e.Type == "alert.node_lost"), "node a retiring node b", TimeSpan.FromSeconds(60));
        Assert.Equal("node-b", Assert.Single(retired, e => e.Type == "alert.node_lost")["node"]);
        Assert.Contains(retired, e => e.Type == "session.lost" && e.User == "islander");
        Assert.DoesNotContain("islander", (await GatewayCli.RunCheckedAsync(bed.DataDirectory, "session", "list")).StandardOutput, StringComparison.Ordinal);

        _proxy.Restore();
        var rejoined = await bed.WaitForAuditAsync(l => l.Any(e => e.Type == "alert.node_rejoined"), "node b telling it is back", TimeSpan.FromSeconds(60));
        var back = Assert.Single(rejoined, e => e.Type == "alert.node_rejoined");
        Assert.Equal("node-b", back["node"]);
        Assert.Equal("1", back["sessions"]);
        Assert.Contains("islander", (await GatewayCli.RunCheckedAsync(bed.DataDirectory, "session", "list")).StandardOutput, StringComparison.Ordinal);
        Assert.Contains("node-b", (await GatewayCli.RunCheckedAsync(bed.DataDirectory, "node", "list")).StandardOutput, StringComparison.Ordinal);

        await File.WriteAllTextAsync(_release, "");
        Assert.True(await session.WaitForExitAsync(TimeSpan.FromSeconds(60)), "the session did not end: " + session.Output);
        Assert.True(session.ExitCode == 0 && session.Output.Contains("finished", StringComparison.Ordinal), $"exit code {session.ExitCode}, output:\n{session.Output}\n--- node b ---\n{nodeB.Output}");
        Assert.Contains("audit chain OK", (await GatewayCli.RunCheckedAsync(bed.DataDirectory, "audit", "verify")).StandardOutput, StringComparison.Ordinal);
    }

    /// <summary>
    /// A session on the target that lasts until the test creates the release file (bounded at 120 s). With a fixed
    /// sleep, a slow machine let it end on its own before the checks ran: a session that ended read as a lost row.
    /// </summary>
    private string HeldUntilReleased() =>
        $"echo started; i=0; while [ ! -e {_release} ] && [ $i -lt 1200 ]; do sleep 0.1; i=$((i+1)); done; echo finished";

    public async Task DisposeAsync()
    {
        File.Delete(_release);
        if (_nodeB is not null)
        {
            await _nodeB.DisposeAsync();
        }
        if (_bed is not null)
        {
            await _bed.DisposeAsync();
        }
        await _proxy.DisposeAsync();
        await _database.DisposeAsync();
    }
}
