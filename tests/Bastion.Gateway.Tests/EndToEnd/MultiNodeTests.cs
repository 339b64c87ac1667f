using Bastion.Gateway.Tests.Infrastructure;

namespace Bastion.Gateway.Tests.EndToEnd;

/// <summary>
/// Two gateway nodes on one PostgreSQL database, as behind a TCP load balancer: users added once log in through
/// either; a TOTP code used on one node is refused on the other; a kill request reaches whichever node holds the
/// session; logins through both at once leave one valid audit chain.
/// </summary>
public sealed class MultiNodeTests : IAsyncLifetime
{
    /// <summary>Recorded sessions log in to the test target as root (its sshd runs as root).</summary>
    private const string RootOnTargets = "--Bastion:Recording:AllowedTargetUsers:0=root";

    private PostgresTestDatabase _database = null!;
    private BastionTestbed _bed = null!;
    private GatewayProcess _nodeB = null!;

    public async Task InitializeAsync()
    {
        _database = await PostgresTestDatabase.CreateAsync();
        _bed = await BastionTestbed.StartOnPostgresAsync(_database, "--Bastion:NodeId=node-a", RootOnTargets);
        // Created before node b copies the data directory: every node logs in to targets with the same key.
        var clientKey = await GatewayCli.RunCheckedAsync(_bed.DataDirectory, "recording", "client-key");
        _bed.Target.AuthorizeKey(clientKey.StandardOutput.Trim());
        _nodeB = await _bed.StartAnotherNodeAsync("node-b", RootOnTargets);
    }

    [Fact]
    public async Task A_TOTP_code_used_on_node_a_is_refused_on_node_b_and_the_next_code_works_there()
    {
        var secret = await _bed.AddTotpUserAsync("alice");
        var viaA = _bed.NewClient("alice");
        var viaB = _bed.NewClientVia(_nodeB, "alice");
        var codeTime = DateTimeOffset.UtcNow;
        var code = TotpCode.Compute(secret, codeTime);

        viaA.Ssh.AskPass.SetAnswer(code);
        var first = await viaA.Ssh.SshAsync(BastionTestbed.TargetHost, "echo via-node-a");
        Assert.True(first.Succeeded, first.Describe() + _bed.Logs());
        Assert.Equal("via-node-a\n", first.StandardOutput);

        viaB.Ssh.AskPass.SetAnswer(code);
        var replay = await viaB.Ssh.SshAsync(BastionTestbed.TargetHost, "echo replayed");
        Assert.False(replay.Succeeded, "node b accepted a code node a had used:\n" + replay.Describe());
        Assert.Contains("that verification code was already used", replay.StandardError, StringComparison.Ordinal);
        var audit = await _bed.WaitForAuditAsync(l => l.Any(e => e.Type == "auth.failure" && viaB.Owns(e)), "node b's auth.failure");
        Assert.Contains(audit, e => e.Type == "auth.failure" && viaB.Owns(e) && e["reason"] == "TOTP code replayed");

        // The next step's code (within the allowed drift) is fresh on every node.
        viaB.Ssh.AskPass.SetAnswer(TotpCode.Compute(secret, codeTime.AddSeconds(30)));
        var next = await viaB.Ssh.SshAsync(BastionTestbed.TargetHost, "echo via-node-b");
        Assert.True(next.Succeeded, next.Describe() + "\n--- node b ---\n" + _nodeB.Output);
        Assert.Equal("via-node-b\n", next.StandardOutput);
    }

    [Fact]
    public async Task A_kill_requested_through_node_a_closes_the_session_node_b_holds()
    {
        await _bed.AddAutomationUserAsync("longrun");
        var viaB = _bed.NewClientVia(_nodeB, "longrun");
        var ssh = viaB.Ssh.SshAsync(BastionTestbed.TargetHost, "sleep 60; echo not-killed", new SshCallOptions { Timeout = TimeSpan.FromSeconds(90) });

        string? sessionId = null;
        for (var attempt = 0; attempt < 100 && sessionId is null; attempt++)
        {
            var list = await GatewayCli.RunCheckedAsync(_bed.DataDirectory, "session", "list");
            sessionId = list.StandardOutput.Split('\n').Where(l => l.Contains("longrun", StringComparison.Ordinal) && l.Contains("node-b", StringComparison.Ordinal))
                .Select(l => l.Split(' ', StringSplitOptions.RemoveEmptyEntries)[0]).FirstOrDefault();
            if (sessionId is null)
            {
                await Task.Delay(200);
            }
        }
        Assert.True(sessionId is not null, "node b's session never showed up in session list" + "\n--- node b ---\n" + _nodeB.Output);

        await GatewayCli.RunCheckedAsync(_bed.DataDirectory, "session", "kill", sessionId!);
        var result = await ssh;

        Assert.False(result.Succeeded);
        Assert.DoesNotContain("not-killed", result.StandardOutput, StringComparison.Ordinal);
        await _bed.WaitForAuditAsync(l => l.Any(e => e.Type == "session.killed" && e.User == "longrun"), "session.killed written by node b");
    }

    [Fact]
    public async Task Logins_through_both_nodes_at_once_leave_one_valid_chain_with_every_session()
    {
        var users = Enumerable.Range(0, 6).Select(i => $"busy{i}").ToList();
        foreach (var user in users)
        {
            await _bed.AddAutomationUserAsync(user);
        }
        var clients = users.Select((u, i) => i % 2 == 0 ? _bed.NewClient(u) : _bed.NewClientVia(_nodeB, u)).ToList();

        var results = await Task.WhenAll(clients.Select(c => c.Ssh.SshAsync(BastionTestbed.TargetHost, "echo " + c.User)));

        foreach (var (result, client) in results.Zip(clients))
        {
            Assert.True(result.Succeeded, result.Describe() + "\n--- node b ---\n" + _nodeB.Output);
            Assert.Equal(client.User + "\n", result.StandardOutput);
        }
        var audit = await _bed.WaitForAuditAsync(
            l => clients.All(c => l.Any(e => e.Type == "channel.close" && c.Owns(e))), "a channel.close for every session");
        Assert.All(clients, c => Assert.Single(audit, e => e.Type == "auth.success" && c.Owns(e)));
        var verify = await GatewayCli.RunCheckedAsync(_bed.DataDirectory, "audit", "verify");
        Assert.Contains("audit chain OK", verify.StandardOutput, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Kill_9_of_node_b_mid_session_loses_no_committed_event_and_node_a_keeps_serving()
    {
        await _bed.AddAutomationUserAsync("crashb");
        var viaB = _bed.NewClientVia(_nodeB, "crashb");
        var ssh = viaB.Ssh.SshAsync(BastionTestbed.TargetHost, "sleep 60; echo survived", new SshCallOptions { Timeout = TimeSpan.FromSeconds(90) });
        var before = await _bed.WaitForAuditAsync(l => l.Any(e => e.Type == "channel.open" && viaB.Owns(e)), "node b's channel.open");

        Assert.True(NativeProcess.Signal(_nodeB.ProcessId, NativeProcess.SIGKILL), "could not SIGKILL node b");
        var result = await ssh;
        Assert.False(result.Succeeded);

        await _bed.AddAutomationUserAsync("stillok");
        var viaA = _bed.NewClient("stillok");
        var afterCrash = await viaA.Ssh.SshAsync(BastionTestbed.TargetHost, "echo node-a-serves");
        Assert.True(afterCrash.Succeeded, afterCrash.Describe() + _bed.Logs());
        var after = await _bed.WaitForAuditAsync(l => l.Any(e => e.Type == "channel.close" && viaA.Owns(e)), "node a's channel.close after the crash");
        foreach (var committed in before)
        {
            Assert.Contains(after, e => e.Seq == committed.Seq && e.Text == committed.Text);
        }
        var verify = await GatewayCli.RunCheckedAsync(_bed.DataDirectory, "audit", "verify");
        Assert.Contains("audit chain OK", verify.StandardOutput, StringComparison.Ordinal);

        // Node b comes back (same data directory and node id) and reports the session it lost.
        await using var restarted = await GatewayProcess.StartAsync(_nodeB.DataDirectory, _nodeB.Address, _nodeB.Port,
            ["--Bastion:Ssh:AuthFailureDelayMilliseconds=100", "--Bastion:NodeId=node-b"]);
        var lost = await _bed.WaitForAuditAsync(l => l.Any(e => e.Type == "session.lost" && e.User == "crashb"), "session.lost from the restarted node b");
        Assert.Equal("node-b", lost.Single(e => e.Type == "session.lost" && e.User == "crashb")["node"]);
    }

    [Fact]
    public async Task A_recording_node_b_never_sealed_is_marked_lost_and_hashed_into_the_chain_when_it_restarts()
    {
        await _bed.AddAutomationUserAsync("reclost");
        var viaB = _bed.NewClientVia(_nodeB, "reclost");
        var ssh = viaB.Ssh.SshAsync(_nodeB.Endpoint("reclost"), "root@web-1 echo before-the-crash; sleep 60; echo survived",
            new SshCallOptions { Timeout = TimeSpan.FromSeconds(90) });
        var started = await _bed.WaitForAuditAsync(l => l.Any(e => e.Type == "session.recording.started" && e.User == "reclost"), "node b's recording start");
        var recordingId = started.Single(e => e.Type == "session.recording.started" && e.User == "reclost")["recording_id"]!;
        // The output reaches the store within the flush interval (1 s); wait until it is there.
        await WaitForAsync(async () => (await GatewayCli.RunCheckedAsync(_bed.DataDirectory, "recording", "export", recordingId)).StandardOutput.Contains("before-the-crash", StringComparison.Ordinal),
            "the first output in the stored recording");

        Assert.True(NativeProcess.Signal(_nodeB.ProcessId, NativeProcess.SIGKILL), "could not SIGKILL node b");
        Assert.False((await ssh).Succeeded);
        await using var restarted = await GatewayProcess.StartAsync(_nodeB.DataDirectory, _nodeB.Address, _nodeB.Port,
            ["--Bastion:Ssh:AuthFailureDelayMilliseconds=100", "--Bastion:NodeId=node-b"]);

        var audit = await _bed.WaitForAuditAsync(l => l.Any(e => e.Type == "session.recording.lost" && e["recording_id"] == recordingId), "session.recording.lost from the restarted node b");
        Assert.Equal("node-b", audit.Single(e => e.Type == "session.recording.lost")["node"]);
        var list = await GatewayCli.RunCheckedAsync(_bed.DataDirectory, "recording", "list", "--user", "reclost");
        Assert.Contains(" lost ", list.StandardOutput);
        var verify = await GatewayCli.RunAsync(_bed.DataDirectory, "recording", "verify", recordingId);
        Assert.True(verify.Succeeded, verify.Describe());
        Assert.Contains("what was stored is intact", verify.StandardOutput);
        Assert.Contains("audit chain OK", (await GatewayCli.RunCheckedAsync(_bed.DataDirectory, "audit", "verify")).StandardOutput, StringComparison.Ordinal);
    }

    private static async Task WaitForAsync(Func<Task<bool>> condition, string what)
    {
        var deadline = DateTime.UtcNow.AddSeconds(30);
        while (DateTime.UtcNow < deadline)
        {
            if (await condition())
            {
                return;
            }
            await Task.Delay(300);
        }
        throw new TimeoutException($"{what} did not happen within 30 s");
    }

    [Fact]
    public async Task Eight_cli_processes_writing_while_both_nodes_serve_leave_one_valid_chain()
    {
        // Separate OS processes, each its own connection pool: only the database can order their appends.
        await _bed.AddAutomationUserAsync("steady");
        var writers = Enumerable.Range(0, 8).Select(w => Task.Run(async () =>
        {
            for (var i = 0; i < 10; i++)
            {
                await GatewayCli.RunCheckedAsync(_bed.DataDirectory, "user", "add", $"w{w}u{i}");
            }
        })).ToList();
        var logins = Enumerable.Range(0, 4).Select(i => (i % 2 == 0 ? _bed.NewClient("steady") : _bed.NewClientVia(_nodeB, "steady")).Ssh
            .SshAsync(BastionTestbed.TargetHost, "echo steady")).ToList();

        await Task.WhenAll(writers);
        var results = await Task.WhenAll(logins);

        Assert.All(results, r => Assert.True(r.Succeeded, r.Describe()));
        var verify = await GatewayCli.RunCheckedAsync(_bed.DataDirectory, "audit", "verify");
        Assert.Contains("audit chain OK", verify.StandardOutput, StringComparison.Ordinal);
        var added = (await AuditTail.ReadAsync(_bed.DataDirectory)).Where(e => e.Type == "admin.user.added").Select(e => e["subject"]).ToHashSet();
        foreach (var name in Enumerable.Range(0, 8).SelectMany(w => Enumerable.Range(0, 10).Select(i => $"w{w}u{i}")))
        {
            Assert.Contains(name, added);
        }
    }

    public async Task DisposeAsync()
    {
        await _nodeB.DisposeAsync();
        await _bed.DisposeAsync();
        await _database.DisposeAsync();
    }
}
