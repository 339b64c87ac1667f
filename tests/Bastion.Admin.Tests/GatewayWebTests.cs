using System.Diagnostics;
using Bastion.Admin.Tests.Infrastructure;
using Bastion.Core.Store;
using Bastion.Gateway.Tests.Infrastructure;
using TotpCode = Bastion.Gateway.Tests.Infrastructure.TotpCode;

namespace Bastion.Admin.Tests;

/// <summary>
/// The web app and a real gateway on one store: an SSH login approved in the browser with a security key (the real
/// OpenSSH client waits meanwhile), and an auditor killing a live session from the web page.
/// </summary>
public sealed class GatewayWebTests : IAsyncLifetime
{
    private BastionTestbed _bed = null!;
    private AdminAppHost _web = null!;

    public async Task InitializeAsync()
    {
        _bed = await BastionTestbed.StartAsync("--Bastion:Mfa:WebApprovalSeconds=60");
        _web = await AdminAppHost.StartAsync(_bed.DataDirectory);
    }

    [Fact]
    public async Task A_login_approved_in_the_browser_with_a_security_key_reaches_the_target()
    {
        await _bed.AddTotpUserAsync("webby");
        await GatewayCli.RunCheckedAsync(_bed.DataDirectory, "user", "set", "webby", "--mfa", "key+webauthn");
        var user = (await _web.Store.GetUserAsync("webby"))!;
        await _web.Store.SetRolesAsync(user.Id, [AdminRoles.User]);
        await using var browser = await BrowserSession.StartAsync("u2f");
        await browser.RedeemInviteAsync(await _web.InviteAsync("webby"), _web.BaseUrl);

        var client = _bed.NewClient("webby");
        client.Ssh.ConnectTimeoutSeconds = 90;
        var ssh = client.Ssh.SshAsync(BastionTestbed.TargetHost, "echo approved-in-browser", new SshCallOptions { Timeout = TimeSpan.FromSeconds(120) });

        var requested = await _bed.WaitForAuditAsync(l => l.Any(e => e.Type == "auth.approval_requested" && e.User == "webby"), "the approval request");
        var code = requested.Single(e => e.Type == "auth.approval_requested" && e.User == "webby")["approval"]!;
        await browser.Page.GotoAsync($"{_web.BaseUrl}/approve/{code}");
        Assert.Equal("webby", (await browser.Page.InnerTextAsync("#approval-user")).Trim());
        Assert.StartsWith(client.SourceAddress + ":", (await browser.Page.InnerTextAsync("#approval-source")).Trim(), StringComparison.Ordinal);
        Assert.StartsWith("SSH-2.0-OpenSSH", (await browser.Page.InnerTextAsync("#approval-client")).Trim(), StringComparison.Ordinal);
        await browser.ScreenshotAsync("approve-pending");
        // The number the terminal shows (LoginApprovalTests reads it there); a wrong pick would deny.
        await browser.Page.ClickAsync($"#pick-{(await _web.Store.GetLoginApprovalAsync(code))!.MatchNumber}");
        var approvedAt = Stopwatch.StartNew();
        await browser.Page.WaitForSelectorAsync("#approval-state:has-text('approved')", new() { Timeout = 15_000 });
        await browser.ScreenshotAsync("approve-done");

        var result = await ssh;
        Assert.True(result.Succeeded, result.Describe() + _bed.Logs());
        Assert.Equal("approved-in-browser\n", result.StandardOutput);
        Assert.Contains($"/approve/{code}", result.StandardError);
        Assert.True(approvedAt.Elapsed < TimeSpan.FromSeconds(6), $"ssh finished {approvedAt.Elapsed.TotalSeconds:F1} s after the approval");
        var audit = await _bed.WaitForAuditAsync(l => l.Any(e => e.Type == "auth.success" && e.User == "webby"), "webby's auth.success");
        Assert.Equal("webauthn-approval", audit.Single(e => e.Type == "auth.success" && e.User == "webby")["mfa"]);
        Assert.Contains(audit, e => e.Type == "webauthn-approval" && e["decision"] == "approved");
    }

    [Fact]
    public async Task A_login_denied_in_the_browser_fails_cleanly_and_nobody_else_sees_the_request()
    {
        await _bed.AddTotpUserAsync("denier");
        await GatewayCli.RunCheckedAsync(_bed.DataDirectory, "user", "set", "denier", "--mfa", "key+webauthn");
        var user = (await _web.Store.GetUserAsync("denier"))!;
        await _web.Store.SetRolesAsync(user.Id, [AdminRoles.User]);
        await using var browser = await BrowserSession.StartAsync("ctap2");
        await browser.RedeemInviteAsync(await _web.InviteAsync("denier"), _web.BaseUrl);

        var client = _bed.NewClient("denier");
        client.Ssh.ConnectTimeoutSeconds = 90;
        var ssh = client.Ssh.SshAsync(BastionTestbed.TargetHost, "echo should-not-run", new SshCallOptions { Timeout = TimeSpan.FromSeconds(120) });
        var requested = await _bed.WaitForAuditAsync(l => l.Any(e => e.Type == "auth.approval_requested" && e.User == "denier"), "the approval request");
        var code = requested.Single(e => e.Type == "auth.approval_requested" && e.User == "denier")["approval"]!;
        await browser.Page.GotoAsync($"{_web.BaseUrl}/approve/{code}");
        await browser.Page.ClickAsync("#deny");
        await browser.Page.WaitForSelectorAsync("#approval-state:has-text('denied')", new() { Timeout = 15_000 });

        var result = await ssh;
        Assert.False(result.Succeeded);
        Assert.Contains("denied in the browser", result.StandardError);
        // The decided request offers no buttons any more; another user's request is not even visible.
        Assert.Equal(0, await browser.Page.Locator("#approval-choices button").CountAsync());
        var stranger = await _web.Store.CreateLoginApprovalAsync(new LoginApproval("STRANGER22", "someone-else", "127.0.0.9:1", "SSH-2.0-x",
            DateTimeOffset.UtcNow, DateTimeOffset.UtcNow.AddMinutes(1), LoginApprovalState.Pending, null, null));
        var response = await browser.Page.GotoAsync($"{_web.BaseUrl}/approve/{stranger.Code}");
        Assert.NotEqual(200, response!.Status);
    }

    [Fact]
    public async Task An_auditor_kills_a_live_session_from_the_web_page()
    {
        var invite = await _web.AddPersonAsync("auditor1", AdminRoles.Auditor);
        await using var browser = await BrowserSession.StartAsync("ctap2");
        await browser.RedeemInviteAsync(invite, _web.BaseUrl);

        await _bed.AddAutomationUserAsync("victim");
        var ssh = _bed.NewClient("victim").Ssh.SshAsync(BastionTestbed.TargetHost, "sleep 60; echo not-killed", new SshCallOptions { Timeout = TimeSpan.FromSeconds(90) });

        var deadline = DateTime.UtcNow.AddSeconds(30);
        while (!(await _web.Store.ListLiveSessionsAsync()).Any(s => s.UserName == "victim"))
        {
            Assert.True(DateTime.UtcNow < deadline, "the session never showed up as live" + _bed.Logs());
            await Task.Delay(200);
        }
        await browser.Page.GotoAsync($"{_web.BaseUrl}/audit/sessions");
        var table = await browser.Page.InnerTextAsync("#sessions");
        Assert.Contains("victim", table);
        Assert.Contains(BastionTestbed.TargetName, table);
        await browser.ScreenshotAsync("live-sessions");
        var sessionId = (await _web.Store.ListLiveSessionsAsync()).Single(s => s.UserName == "victim").SessionId;
        var killedAt = Stopwatch.StartNew();
        await browser.Page.ClickAsync($"button[data-kill='{sessionId}']");

        var result = await ssh;
        Assert.False(result.Succeeded);
        Assert.DoesNotContain("not-killed", result.StandardOutput);
        Assert.True(killedAt.Elapsed < TimeSpan.FromSeconds(4), $"ssh lived {killedAt.Elapsed.TotalSeconds:F1} s after the kill");
        var audit = await _bed.WaitForAuditAsync(l => l.Any(e => e.Type == "session.killed" && e.User == "victim"), "the session.killed event");
        Assert.Equal("web:auditor1", audit.Single(e => e.Type == "session.killed" && e.User == "victim")["killed_by"]);
        Assert.Contains(audit, e => e.Type == "session.kill_requested" && e["actor"] == "auditor1");
    }

    /// <summary>
    /// The whole story of issue 4/5: the admin bootstraps from an invite and invites alice; alice registers a u2f key,
    /// adds her SSH key and enrols TOTP on the web; real OpenSSH logs in through the gateway with that key and a
    /// code; the auditor sees the session live, kills it, and finds its events in the audit search.
    /// </summary>
    [Fact]
    public async Task Enrolled_on_the_web_logged_in_with_ssh_seen_live_killed_and_found_in_the_audit()
    {
        await using var admin = await BrowserSession.StartAsync("ctap2");
        await admin.RedeemInviteAsync(await _web.AddPersonAsync("boss", AdminRoles.Admin, AdminRoles.Auditor), _web.BaseUrl);
        var (key, secret, _) = await WebEnrolment.InviteAndEnrolAsync(admin, _web, _bed, "alice", "u2f");

        // The code that confirmed enrolment is spent; ssh answers with the next step's code (within the ±1 window).
        var client = _bed.NewClient("alice", identityFile: key.PrivateKeyPath);
        client.Ssh.AskPass.SetAnswer(TotpCode.Compute(secret, DateTimeOffset.UtcNow, stepOffset: 1));
        var ssh = client.Ssh.SshAsync(BastionTestbed.TargetHost, "echo alice-in; sleep 60; echo not-killed", new SshCallOptions { Timeout = TimeSpan.FromSeconds(90) });

        var deadline = DateTime.UtcNow.AddSeconds(30);
        while (!(await _web.Store.ListLiveSessionsAsync()).Any(s => s.UserName == "alice"))
        {
            Assert.True(DateTime.UtcNow < deadline, "alice's session never showed up as live" + _bed.Logs());
            await Task.Delay(200);
        }
        await admin.Page.GotoAsync($"{_web.BaseUrl}/audit/sessions");
        Assert.Contains("alice", await admin.Page.InnerTextAsync("#sessions"));
        var sessionId = (await _web.Store.ListLiveSessionsAsync()).Single(s => s.UserName == "alice").SessionId;
        await admin.Page.ClickAsync($"button[data-kill='{sessionId}']");
        var result = await ssh;
        Assert.DoesNotContain("not-killed", result.StandardOutput);
        Assert.False(result.Succeeded);
        Assert.EndsWith("Verification code: ", Assert.Single(client.Ssh.AskPass.Prompts), StringComparison.Ordinal);
        await _bed.WaitForAuditAsync(l => l.Any(e => e.Type == "session.killed" && e.User == "alice"), "alice's session.killed");

        await admin.Page.GotoAsync($"{_web.BaseUrl}/audit/events");
        await admin.Page.FillAsync("#f-user", "alice");
        await admin.Page.ClickAsync("#search");
        var found = await admin.Page.InnerTextAsync("#events");
        foreach (var type in new[] { "auth.success", "channel.open", "session.killed", "admin.totp.enrolled" })
        {
            Assert.Contains(type, found);
        }
        Assert.Contains("OK", await admin.Page.InnerTextAsync("#chain-status"));
        await admin.ScreenshotAsync("audit-search-alice");
    }

    public async Task DisposeAsync()
    {
        await _web.DisposeAsync();
        await _bed.DisposeAsync();
    }
}
