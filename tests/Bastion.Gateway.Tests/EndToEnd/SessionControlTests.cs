using System.Diagnostics;
using Bastion.Core.Store;
using Bastion.Core.Store.Sqlite;
using Bastion.Gateway.Tests.Infrastructure;

namespace Bastion.Gateway.Tests.EndToEnd;

/// <summary>
/// The gateway's half of issue 4/5: live sessions visible across processes and killed through the store, and the
/// browser-approval MFA (policy key+webauthn) — here the decision is written to the store the way the admin app
/// does after its WebAuthn check, so the gateway's waiting, approval, denial and expiry are shown on their own.
/// </summary>
public sealed class SessionControlTests : IClassFixture<SessionControlTests.Fixture>
{
    private readonly BastionTestbed _bed;

    public SessionControlTests(Fixture fixture) => _bed = fixture.Bed;

    [Fact]
    public async Task A_live_session_is_listed_and_a_kill_closes_it_within_two_seconds()
    {
        await _bed.AddAutomationUserAsync("killme");
        var client = _bed.NewClient("killme");
        var ssh = client.Ssh.SshAsync(BastionTestbed.TargetHost, "sleep 60; echo not-killed", new SshCallOptions { Timeout = TimeSpan.FromSeconds(90) });

        var sessionId = await WaitForLiveSessionAsync("killme");
        var list = await GatewayCli.RunCheckedAsync(_bed.DataDirectory, "session", "list");
        Assert.Contains(BastionTestbed.TargetName, list.StandardOutput);

        var timer = Stopwatch.StartNew();
        await GatewayCli.RunCheckedAsync(_bed.DataDirectory, "session", "kill", sessionId);
        var result = await ssh;
        var afterKill = timer.Elapsed;

        Assert.False(result.Succeeded);
        Assert.DoesNotContain("not-killed", result.StandardOutput);
        // The DISCONNECT goes out before the channels close, so even ProxyJump's ssh -W prints why.
        Assert.Contains("session closed by", result.StandardError);
        Assert.True(afterKill < TimeSpan.FromSeconds(2) + GatewayCliAllowance, $"the connection lived {afterKill.TotalSeconds:F1} s after the kill request");
        var audit = await _bed.WaitForAuditAsync(l => l.Any(e => e.Type == "session.killed" && e.User == "killme"), "the session.killed event");
        Assert.StartsWith("cli:", Assert.Single(audit, e => e.Type == "session.killed" && e.User == "killme")["killed_by"]);
        await _bed.WaitForAuditAsync(l => l.Any(e => e.Type == "disconnect" && e.User == "killme" && (e["reason"] ?? "").Contains("session closed by", StringComparison.Ordinal)), "the disconnect reason");
        Assert.DoesNotContain("killme", (await GatewayCli.RunCheckedAsync(_bed.DataDirectory, "session", "list")).StandardOutput);
    }

    [Fact]
    public async Task A_browser_approval_lets_the_login_continue()
    {
        var client = await ApprovalUserAsync("approved1");
        var ssh = client.Ssh.SshAsync(BastionTestbed.TargetHost, "echo approved-ok");

        var code = await WaitForApprovalCodeAsync("approved1");
        var pending = await WithStoreAsync(s => s.GetLoginApprovalAsync(code));
        Assert.Equal(LoginApprovalState.Pending, pending!.State);
        Assert.StartsWith(client.SourceAddress + ":", pending.SourceAddress, StringComparison.Ordinal);
        Assert.StartsWith("SSH-2.0-OpenSSH", pending.ClientVersion, StringComparison.Ordinal);
        var decidedAt = Stopwatch.StartNew();
        Assert.True(await WithStoreAsync(s => s.DecideLoginApprovalAsync(code, approve: true, "approved1")));
        var result = await ssh;

        Assert.True(result.Succeeded, result.Describe() + _bed.Logs());
        Assert.Equal("approved-ok\n", result.StandardOutput);
        Assert.Contains($"/approve/{code}", result.StandardError);
        Assert.True(decidedAt.Elapsed < TimeSpan.FromSeconds(2) + SshCommandAllowance, $"login took {decidedAt.Elapsed.TotalSeconds:F1} s after the approval");
        var audit = await _bed.WaitForAuditAsync(l => l.Any(e => e.Type == "auth.success" && e.User == "approved1"), "approved1's auth.success");
        Assert.Equal("webauthn-approval", Assert.Single(audit, e => e.Type == "auth.success" && e.User == "approved1")["mfa"]);
        // A decided request cannot be decided again.
        Assert.False(await WithStoreAsync(s => s.DecideLoginApprovalAsync(code, approve: false, "approved1")));
    }

    [Fact]
    public async Task A_denied_approval_fails_the_login_cleanly()
    {
        var client = await ApprovalUserAsync("denied1");
        var ssh = client.Ssh.SshAsync(BastionTestbed.TargetHost, "echo should-not-run");
        var code = await WaitForApprovalCodeAsync("denied1");
        Assert.True(await WithStoreAsync(s => s.DecideLoginApprovalAsync(code, approve: false, "denied1")));

        var result = await ssh;

        Assert.False(result.Succeeded);
        Assert.Contains("denied in the browser", result.StandardError);
        await _bed.WaitForAuditAsync(l => l.Any(e => e.Type == "auth.failure" && e.User == "denied1" && (e["reason"] ?? "").Contains("denied", StringComparison.Ordinal)), "denied1's auth.failure");
    }

    [Fact]
    public async Task An_expired_approval_fails_the_login_cleanly()
    {
        var client = await ApprovalUserAsync("expired1");
        var timer = Stopwatch.StartNew();
        var result = await client.Ssh.SshAsync(BastionTestbed.TargetHost, "echo should-not-run");

        Assert.False(result.Succeeded);
        Assert.True(result.StandardError.Contains("expired before it was approved", StringComparison.Ordinal), result.Describe() + _bed.Logs());
        Assert.InRange(timer.Elapsed, TimeSpan.FromSeconds(Fixture.ApprovalSeconds), TimeSpan.FromSeconds(Fixture.ApprovalSeconds + 15));
        var code = await WaitForApprovalCodeAsync("expired1");
        Assert.False(await WithStoreAsync(s => s.DecideLoginApprovalAsync(code, approve: true, "expired1")));
    }

    /// <summary>Process start-up of the CLI and of ssh itself, on a busy 2-core machine.</summary>
    private static readonly TimeSpan GatewayCliAllowance = TimeSpan.FromSeconds(2);

    private static readonly TimeSpan SshCommandAllowance = TimeSpan.FromSeconds(2);

    private async Task<GatewayClient> ApprovalUserAsync(string name)
    {
        await _bed.AddAutomationUserAsync(name);
        await GatewayCli.RunCheckedAsync(_bed.DataDirectory, "user", "set", name, "--mfa", "key+webauthn");
        var client = _bed.NewClient(name);
        // ssh counts the wait for the approval against ConnectTimeout of the inner connection (its banner comes later).
        client.Ssh.ConnectTimeoutSeconds = 60;
        return client;
    }

    private async Task<string> WaitForApprovalCodeAsync(string user)
    {
        var audit = await _bed.WaitForAuditAsync(l => l.Any(e => e.Type == "auth.approval_requested" && e.User == user), $"{user}'s approval request");
        return Assert.Single(audit, e => e.Type == "auth.approval_requested" && e.User == user)["approval"]!;
    }

    private async Task<string> WaitForLiveSessionAsync(string user)
    {
        var deadline = DateTime.UtcNow.AddSeconds(30);
        while (DateTime.UtcNow < deadline)
        {
            var sessions = await WithStoreAsync(s => s.ListLiveSessionsAsync());
            if (sessions.FirstOrDefault(s => s.UserName == user) is { } live)
            {
                return live.SessionId;
            }
            await Task.Delay(200);
        }
        throw new TimeoutException($"no live session for {user} within 30 s{_bed.Logs()}");
    }

    private async Task<T> WithStoreAsync<T>(Func<SqliteStore, Task<T>> action)
    {
        using var store = await SqliteStore.OpenAsync(Path.Combine(_bed.DataDirectory, "bastion.db"));
        return await action(store);
    }

    public sealed class Fixture : IAsyncLifetime
    {
        public const int ApprovalSeconds = 10;

        public BastionTestbed Bed { get; private set; } = null!;

        public async Task InitializeAsync() =>
            Bed = await BastionTestbed.StartAsync($"--Bastion:Mfa:WebApprovalSeconds={ApprovalSeconds}", "--Bastion:Admin:PublicUrl=http://localhost:9999");

        public async Task DisposeAsync() => await Bed.DisposeAsync();
    }
}
