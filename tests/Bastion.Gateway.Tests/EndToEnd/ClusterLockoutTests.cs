using Bastion.Gateway.Tests.Infrastructure;

namespace Bastion.Gateway.Tests.EndToEnd;

/// <summary>
/// Two gateway nodes on one PostgreSQL database, as behind a load balancer: wrong codes spread over both count
/// together, the lockout is started once (one auth.lockout, one alert) and holds on both — on the node that started
/// it before any prompt, on the other at the latest when the right code arrives.
/// </summary>
public sealed class ClusterLockoutTests : IAsyncLifetime
{
    private PostgresTestDatabase _database = null!;
    private BastionTestbed _bed = null!;
    private GatewayProcess _nodeB = null!;

    public async Task InitializeAsync()
    {
        _database = await PostgresTestDatabase.CreateAsync();
        _bed = await BastionTestbed.StartOnPostgresAsync(_database, "--Bastion:NodeId=node-a");
        _nodeB = await _bed.StartAnotherNodeAsync("node-b");
    }

    [Fact]
    public async Task Wrong_codes_spread_over_two_nodes_lock_the_user_out_on_both()
    {
        var secret = await _bed.AddTotpUserAsync("spread");
        var viaA = _bed.NewClient("spread");
        var viaB = _bed.NewClientVia(_nodeB, "spread");

        // Two wrong codes through node a, two through node b: four of five, on no node alone more than two.
        Assert.DoesNotContain("too many failed attempts", (await GuessAsync(viaA, _bed.Gateway, secret, prompts: 2)).StandardError, StringComparison.Ordinal);
        Assert.DoesNotContain("too many failed attempts", (await GuessAsync(viaB, _nodeB, secret, prompts: 2)).StandardError, StringComparison.Ordinal);
        // The fifth, through node a again, starts the lockout.
        var fifth = await GuessAsync(viaA, _bed.Gateway, secret, prompts: 1);
        Assert.Contains("Bastion: too many failed attempts", fifth.StandardError, StringComparison.Ordinal);

        // Node b did not start it and has not been told: the store holds it when the right code arrives there …
        var rightViaB = _bed.NewClientVia(_nodeB, "spread");
        rightViaB.AnswerTotpWith(secret);
        var refusedOnB = await rightViaB.Ssh.SshAsync(_nodeB.Endpoint("spread"), "list");
        Assert.Equal(255, refusedOnB.ExitCode);
        Assert.Contains("Bastion: too many failed attempts", refusedOnB.StandardError, StringComparison.Ordinal);
        // … and node a, which started it, refuses before asking for a code.
        var rightViaA = _bed.NewClient("spread");
        rightViaA.AnswerTotpWith(secret);
        var refusedOnA = await rightViaA.Ssh.SshAsync(_bed.GatewayEndpoint("spread"), "list");
        Assert.Contains("Bastion: too many failed attempts", refusedOnA.StandardError, StringComparison.Ordinal);
        Assert.Empty(rightViaA.Ssh.AskPass.Prompts);

        var audit = await _bed.WaitForAuditAsync(l => l.Any(e => e.Type == "alert.user_locked_out"), "the lockout alert", TimeSpan.FromSeconds(30));
        var lockout = Assert.Single(audit, e => e.Type == "auth.lockout");
        Assert.Equal(("user", "spread", "1", "900"), (lockout["subject"], lockout["locked_user"], lockout["lockout_number"], lockout["locked_for_seconds"]));
        Assert.True(viaA.Owns(lockout), "the lockout should be node a's, from the fifth failure");
        Assert.Single(audit, e => e.Type == "alert.user_locked_out");
        Assert.DoesNotContain(audit, e => e.Type == "auth.success" && e.User == "spread");
        var failures = audit.Where(e => e.Type == "disconnect" && e.User == "spread").Sum(e => int.Parse(e["auth_failures"] ?? "0", System.Globalization.CultureInfo.InvariantCulture));
        Assert.Equal(7, failures); // five wrong codes and the two refusals of the right one

        // An operator sees the lockout from the store and lifts it: the user gets in at once, on any node.
        var list = await GatewayCli.RunCheckedAsync(_bed.DataDirectory, "lockout", "list");
        Assert.Contains("user:spread", list.StandardOutput, StringComparison.Ordinal);
        await GatewayCli.RunCheckedAsync(_bed.DataDirectory, "lockout", "clear", "spread");
        Assert.DoesNotContain("user:spread", (await GatewayCli.RunCheckedAsync(_bed.DataDirectory, "lockout", "list")).StandardOutput, StringComparison.Ordinal);
        var again = _bed.NewClient("spread");
        again.Ssh.AskPass.SetAnswer(TotpCode.Compute(secret, DateTimeOffset.UtcNow, 1)); // the current step was used on node b
        var loggedIn = await again.Ssh.SshAsync(_bed.GatewayEndpoint("spread"), "list");
        Assert.True(loggedIn.Succeeded, loggedIn.Describe() + _bed.Logs());
        await _bed.WaitForAuditAsync(l => l.Any(e => e.Type == "admin.lockout.cleared" && e["subject"] == "user:spread"), "the clear in the trail");
    }

    private static async Task<ProcessResult> GuessAsync(GatewayClient client, GatewayProcess node, string secret, int prompts)
    {
        client.Ssh.AskPass.SetAnswer(ProbingTests.WrongCode(secret));
        var result = await client.Ssh.SshAsync(node.Endpoint(client.User), "list",
            new SshCallOptions { Options = new Dictionary<string, string> { ["NumberOfPasswordPrompts"] = prompts.ToString(System.Globalization.CultureInfo.InvariantCulture) } });
        Assert.Equal(255, result.ExitCode);
        return result;
    }

    public async Task DisposeAsync()
    {
        await _nodeB.DisposeAsync();
        await _bed.DisposeAsync();
        await _database.DisposeAsync();
    }
}
