using Bastion.Core.Tests.Support;
using Bastion.Gateway.Tests.Infrastructure;

namespace Bastion.Gateway.Tests.EndToEnd;

/// <summary>
/// A gateway node that dies and never comes back (autoscaling replaced it): its peer sees its heartbeats stop and
/// takes over what it left — the forwarded and the recorded session become session.lost, the recording is marked
/// lost and hashed into the chain, the alert webhook is told — instead of "live" sessions no one holds. Nodes that beat, or stopped cleanly,
/// are left alone. Two real gateway processes on one PostgreSQL database, heartbeats every second.
/// </summary>
public sealed class NodeTakeoverTests : IAsyncLifetime
{
    private static readonly string[] FastHeartbeats =
        ["--Bastion:NodeHeartbeatSeconds=1", "--Bastion:NodeDeadAfterSeconds=6", "--Bastion:Recording:AllowedTargetUsers:0=root"];

    private PostgresTestDatabase _database = null!;
    private BastionTestbed _bed = null!;
    private WebhookReceiver _webhook = null!;

    public async Task InitializeAsync()
    {
        _database = await PostgresTestDatabase.CreateAsync();
        _webhook = WebhookReceiver.Start();
        _bed = await BastionTestbed.StartOnPostgresAsync(_database, ["--Bastion:NodeId=node-a", $"--Bastion:Alerts:WebhookUrl={_webhook.Url}", .. FastHeartbeats]);
        _bed.Target.AuthorizeKey((await GatewayCli.RunCheckedAsync(_bed.DataDirectory, "recording", "client-key")).StandardOutput.Trim());
    }

    [Fact]
    public async Task A_node_that_dies_for_good_has_its_sessions_and_recording_taken_over_by_a_peer()
    {
        await using var nodeB = await _bed.StartAnotherNodeAsync("node-b", FastHeartbeats);
        await _bed.AddAutomationUserAsync("forwarded");
        await _bed.AddAutomationUserAsync("recorded");
        var forwarded = _bed.NewClientVia(nodeB, "forwarded").Ssh.SshAsync(BastionTestbed.TargetHost, "sleep 60", new SshCallOptions { Timeout = TimeSpan.FromSeconds(90) });
        var recorded = _bed.NewClientVia(nodeB, "recorded").Ssh.SshAsync(nodeB.Endpoint("recorded"), "root@web-1 echo before-the-crash; sleep 60",
            new SshCallOptions { Timeout = TimeSpan.FromSeconds(90) });
        await _bed.WaitForAuditAsync(l => l.Any(e => e.Type == "channel.open" && e.User == "forwarded") && l.Any(e => e.Type == "session.recording.started" && e.User == "recorded"),
            "both sessions open on node b");
        var nodes = await GatewayCli.RunCheckedAsync(_bed.DataDirectory, "node", "list");
        Assert.Contains("node-a", nodes.StandardOutput, StringComparison.Ordinal);
        Assert.Contains("node-b", nodes.StandardOutput, StringComparison.Ordinal);

        // Both nodes beating for longer than the dead-after time: nobody is taken for dead.
        await Task.Delay(TimeSpan.FromSeconds(8));
        Assert.DoesNotContain(await AuditTail.ReadAsync(_bed.DataDirectory), e => e.Type == "alert.node_lost");

        Assert.True(NativeProcess.Signal(nodeB.ProcessId, NativeProcess.SIGKILL), "could not SIGKILL node b");
        Assert.False((await forwarded).Succeeded);
        Assert.False((await recorded).Succeeded);

        var audit = await _bed.WaitForAuditAsync(l => l.Any(e => e.Type == "alert.node_lost"), "node a retiring node b", TimeSpan.FromSeconds(60));
        var nodeLost = Assert.Single(audit, e => e.Type == "alert.node_lost");
        Assert.Equal("node-b", nodeLost["node"]);
        Assert.Equal("node-a", nodeLost["taken_over_by"]);
        Assert.Equal("2", nodeLost["sessions_lost"]);
        Assert.Equal("1", nodeLost["recordings_lost"]);
        // The on-call hears of it: the alert webhook gets the summary.
        var deadline = DateTime.UtcNow.AddSeconds(30);
        while (!_webhook.Requests.Any(r => r.Body.Contains("gateway node node-b", StringComparison.Ordinal)) && DateTime.UtcNow < deadline)
        {
            await Task.Delay(200);
        }
        Assert.Contains(_webhook.Requests, r => r.Body.Contains("gateway node node-b", StringComparison.Ordinal) && r.Body.Contains("2 open sessions", StringComparison.Ordinal));
        foreach (var user in new[] { "forwarded", "recorded" })
        {
            var lost = Assert.Single(audit, e => e.Type == "session.lost" && e.User == user);
            Assert.Equal("node-b", lost["node"]);
            Assert.Contains("no heartbeat from node-b", lost["reason"], StringComparison.Ordinal);
        }
        var recordingLost = Assert.Single(audit, e => e.Type == "session.recording.lost" && e.User == "recorded");
        Assert.Matches("^[0-9a-f]{64}$", recordingLost["sha256"]);
        Assert.DoesNotContain("node-b", (await GatewayCli.RunCheckedAsync(_bed.DataDirectory, "session", "list")).StandardOutput, StringComparison.Ordinal);
        var list = await GatewayCli.RunCheckedAsync(_bed.DataDirectory, "node", "list");
        Assert.DoesNotContain("node-b", list.StandardOutput, StringComparison.Ordinal);
        var verify = await GatewayCli.RunAsync(_bed.DataDirectory, "recording", "verify", recordingLost["recording_id"]!);
        Assert.True(verify.ExitCode == 0, verify.Describe());
        Assert.Contains("audit chain OK", (await GatewayCli.RunCheckedAsync(_bed.DataDirectory, "audit", "verify")).StandardOutput, StringComparison.Ordinal);
    }

    [Fact]
    public async Task A_node_stopped_cleanly_is_not_taken_for_dead()
    {
        var nodeC = await _bed.StartAnotherNodeAsync("node-c", FastHeartbeats);
        Assert.Contains("node-c", (await GatewayCli.RunCheckedAsync(_bed.DataDirectory, "node", "list")).StandardOutput, StringComparison.Ordinal);

        Assert.Equal(0, await nodeC.StopAsync(TimeSpan.FromSeconds(30)));
        await nodeC.DisposeAsync();
        Assert.DoesNotContain("node-c", (await GatewayCli.RunCheckedAsync(_bed.DataDirectory, "node", "list")).StandardOutput, StringComparison.Ordinal);
        await Task.Delay(TimeSpan.FromSeconds(8)); // past the dead-after time

        Assert.DoesNotContain(await AuditTail.ReadAsync(_bed.DataDirectory), e => e.Type == "alert.node_lost");
    }

    public async Task DisposeAsync()
    {
        await _bed.DisposeAsync();
        await _webhook.DisposeAsync();
        await _database.DisposeAsync();
    }
}
