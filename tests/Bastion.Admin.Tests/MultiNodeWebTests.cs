using Bastion.Admin.Tests.Infrastructure;
using Bastion.Core.Store;
using Bastion.Gateway.Tests.Infrastructure;
using TotpCode = Bastion.Gateway.Tests.Infrastructure.TotpCode;

namespace Bastion.Admin.Tests;

/// <summary>
/// Several nodes on one PostgreSQL database: the admin app and two gateway nodes. A user invited and enrolled on
/// the web (security key, SSH key, TOTP) logs in with real OpenSSH through either gateway; a code spent on one node
/// is refused on the other; an auditor kills, from the web, the session the second node holds.
/// </summary>
public sealed class MultiNodeWebTests : IAsyncLifetime
{
    private PostgresTestDatabase _database = null!;
    private BastionTestbed _bed = null!;
    private GatewayProcess _nodeB = null!;
    private AdminAppHost _web = null!;

    public async Task InitializeAsync()
    {
        _database = await PostgresTestDatabase.CreateAsync();
        _bed = await BastionTestbed.StartOnPostgresAsync(_database, "--Bastion:NodeId=node-a");
        _nodeB = await _bed.StartAnotherNodeAsync("node-b");
        _web = await AdminAppHost.StartAsync(_bed.DataDirectory);
    }

    [Fact]
    public async Task Enrolled_on_the_web_logs_in_through_both_gateways_and_node_b_session_is_killed_from_the_web()
    {
        Assert.IsNotType<Bastion.Core.Store.Sqlite.SqliteStore>(_web.Store);
        await using var admin = await BrowserSession.StartAsync("ctap2");
        await admin.RedeemInviteAsync(await _web.AddPersonAsync("boss", AdminRoles.Admin, AdminRoles.Auditor), _web.BaseUrl);
        var (key, secret, enrolledAt) = await WebEnrolment.InviteAndEnrolAsync(admin, _web, _bed, "carol", "u2f");

        // Node A with the next step's code (the enrolment spent the current one).
        var viaA = _bed.NewClient("carol", identityFile: key.PrivateKeyPath);
        var codeA = TotpCode.Compute(secret, enrolledAt, stepOffset: 1);
        viaA.Ssh.AskPass.SetAnswer(codeA);
        var first = await viaA.Ssh.SshAsync(BastionTestbed.TargetHost, "echo carol-via-a");
        Assert.True(first.Succeeded, first.Describe() + _bed.Logs());

        // Node B refuses the same code, then takes a later one and holds the session until the auditor kills it.
        var viaB = _bed.NewClientVia(_nodeB, "carol", identityFile: key.PrivateKeyPath);
        viaB.Ssh.AskPass.SetAnswer(codeA);
        var replay = await viaB.Ssh.SshAsync(BastionTestbed.TargetHost, "echo replayed");
        Assert.False(replay.Succeeded);
        Assert.Contains("already used", replay.StandardError, StringComparison.Ordinal);
        // Step +2 is inside the ±1 window only once the clock reaches step +1 (at most one 30 s step away).
        var enrolmentStep = enrolledAt.ToUnixTimeSeconds() / 30;
        while (DateTimeOffset.UtcNow.ToUnixTimeSeconds() / 30 < enrolmentStep + 1)
        {
            await Task.Delay(250);
        }
        viaB.Ssh.AskPass.SetAnswer(TotpCode.Compute(secret, enrolledAt, stepOffset: 2));
        var ssh = viaB.Ssh.SshAsync(BastionTestbed.TargetHost, "echo carol-via-b; sleep 60; echo not-killed", new SshCallOptions { Timeout = TimeSpan.FromSeconds(90) });

        var deadline = DateTime.UtcNow.AddSeconds(30);
        LiveSession? live = null;
        while ((live = (await _web.Store.ListLiveSessionsAsync()).FirstOrDefault(s => s.UserName == "carol")) is null)
        {
            Assert.True(DateTime.UtcNow < deadline, "carol's session on node b never showed up as live\n--- node b ---\n" + _nodeB.Output);
            await Task.Delay(200);
        }
        Assert.Equal("node-b", live.NodeId);
        await admin.Page.GotoAsync($"{_web.BaseUrl}/audit/sessions");
        Assert.Contains("carol", await admin.Page.InnerTextAsync("#sessions"));
        // Both gateway processes beat into the store; the page lists them with their listen address.
        Assert.Contains($"{_nodeB.Address}:{_nodeB.Port}", await admin.Page.InnerTextAsync("#nodes tr[data-node='node-b']"));
        Assert.Equal(1, await admin.Page.Locator("#nodes tr[data-node='node-a']").CountAsync());
        await admin.Page.ClickAsync($"button[data-kill='{live.SessionId}']");
        var result = await ssh;
        Assert.DoesNotContain("not-killed", result.StandardOutput, StringComparison.Ordinal);
        Assert.False(result.Succeeded);

        var audit = await _bed.WaitForAuditAsync(l => l.Any(e => e.Type == "session.killed" && e.User == "carol"), "carol's session.killed");
        Assert.Single(audit, e => e.Type == "auth.success" && viaA.Owns(e));
        Assert.Single(audit, e => e.Type == "auth.success" && viaB.Owns(e));
        Assert.Equal("web:boss", audit.Single(e => e.Type == "session.killed" && e.User == "carol")["killed_by"]);
        await admin.Page.GotoAsync($"{_web.BaseUrl}/audit/events");
        Assert.Contains("OK", await admin.Page.InnerTextAsync("#chain-status"));
    }

    public async Task DisposeAsync()
    {
        await _web.DisposeAsync();
        await _nodeB.DisposeAsync();
        await _bed.DisposeAsync();
        await _database.DisposeAsync();
    }
}
