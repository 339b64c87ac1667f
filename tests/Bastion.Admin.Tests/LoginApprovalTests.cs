using System.Text.Json;
using System.Text.RegularExpressions;
using Bastion.Admin.Tests.Infrastructure;
using Bastion.Core.Store;
using Bastion.Gateway.Tests.Infrastructure;

namespace Bastion.Admin.Tests;

/// <summary>
/// Issue [2/8], web approval that a victim cannot be tricked into, with the real OpenSSH client waiting on a real
/// gateway and the owner in Chromium with a virtual security key: the terminal shows a number and the page asks for
/// it; a wrong pick denies; an assertion made for the sign-in is no approval; a client that leaves cancels its
/// approval; someone else's attempts are audited.
/// </summary>
public sealed partial class LoginApprovalTests : IAsyncLifetime
{
    private BastionTestbed _bed = null!;
    private AdminAppHost _web = null!;

    public async Task InitializeAsync()
    {
        _bed = await BastionTestbed.StartAsync("--Bastion:Mfa:WebApprovalSeconds=90");
        try
        {
            _web = await AdminAppHost.StartAsync(_bed.DataDirectory);
        }
        catch
        {
            await _bed.DisposeAsync();
            throw;
        }
    }

    public async Task DisposeAsync()
    {
        if (_web is not null)
        {
            await _web.DisposeAsync();
        }
        await _bed.DisposeAsync();
    }

    [Fact]
    public async Task The_terminal_shows_a_number_and_the_source_and_picking_it_on_the_page_approves_the_login()
    {
        await using var browser = await OwnerAsync("numbered");
        await using var login = await StartLoginAsync("numbered", "echo approved-with-number");

        await browser.Page.GotoAsync($"{_web.BaseUrl}/approve/{login.Code}");
        Assert.Equal(3, await browser.Page.Locator("#approval-choices button").CountAsync());
        Assert.Contains("SHA256:", await browser.Page.InnerTextAsync("#approval-key"), StringComparison.Ordinal);
        Assert.Contains("anyone can write anything here", await browser.Page.InnerTextAsync("article"), StringComparison.Ordinal);
        // The ssh client comes from its own loopback alias, the browser from 127.0.0.1: the page says they differ.
        Assert.Contains($"This login comes from {login.Source}:", await browser.Page.InnerTextAsync("#approval-address-warning"), StringComparison.Ordinal);
        // The page is reloaded: the same three numbers in the same order (a changing decoy would give the real one away).
        var first = await browser.Page.InnerTextAsync("#approval-choices");
        await browser.Page.ReloadAsync();
        Assert.Equal(first, await browser.Page.InnerTextAsync("#approval-choices"));
        await browser.ScreenshotAsync("approve-number");
        // Meanwhile the terminal counts down (every 15 s).
        Assert.True(await login.Ssh.WaitForOutputAsync(o => o.Contains($"waiting for your approval in the browser (number {login.Number})", StringComparison.Ordinal), TimeSpan.FromSeconds(40)),
            login.Ssh.Output);
        Assert.Matches(@"\(number \d\d\): \d+ s left", login.Ssh.Output);

        await browser.Page.ClickAsync($"#pick-{login.Number}");
        await browser.Page.WaitForSelectorAsync("#approval-state:has-text('approved')", new() { Timeout = 15_000 });
        Assert.True(await login.Ssh.WaitForExitAsync(TimeSpan.FromSeconds(30)), login.Ssh.Output);
        Assert.Equal(0, login.Ssh.ExitCode);
        Assert.Contains("approved-with-number", login.Ssh.Output, StringComparison.Ordinal);
        Assert.Contains($"This login comes from {login.Source} as the gateway sees it", login.Ssh.Output, StringComparison.Ordinal);
        var audit = await _bed.WaitForAuditAsync(l => l.Any(e => e.Type == "auth.success" && e.User == "numbered"), "the login's auth.success");
        Assert.Single(audit, e => e.Type == "auth.approval_requested" && e.User == "numbered");
    }

    [Fact]
    public async Task Picking_a_wrong_number_denies_the_login_and_the_ssh_client_is_told()
    {
        await using var browser = await OwnerAsync("wrongpick");
        await using var login = await StartLoginAsync("wrongpick", "echo should-not-run");
        await browser.Page.GotoAsync($"{_web.BaseUrl}/approve/{login.Code}");
        var wrong = (await browser.Page.Locator("#approval-choices button").AllInnerTextsAsync()).Select(t => int.Parse(t.Trim(), System.Globalization.CultureInfo.InvariantCulture))
            .First(n => n != login.Number);

        await browser.Page.ClickAsync($"#pick-{wrong}");
        await browser.Page.WaitForSelectorAsync(".pick-status:has-text('has been denied')", new() { Timeout = 15_000 });
        Assert.True(await login.Ssh.WaitForExitAsync(TimeSpan.FromSeconds(30)), login.Ssh.Output);
        Assert.NotEqual(0, login.Ssh.ExitCode);
        Assert.Contains("denied in the browser", login.Ssh.Output, StringComparison.Ordinal);
        Assert.DoesNotContain("should-not-run", login.Ssh.Output, StringComparison.Ordinal);
        Assert.Equal(LoginApprovalState.Denied, (await _web.Store.GetLoginApprovalAsync(login.Code))!.State);
        var audit = await _bed.WaitForAuditAsync(l => l.Any(e => e.Type == "webauthn-approval" && e.User == "wrongpick"), "the denial");
        Assert.Equal($"wrong number picked ({wrong})", audit.Single(e => e.Type == "webauthn-approval" && e.User == "wrongpick")["reason"]);
        Assert.DoesNotContain(audit, e => e.Type == "auth.success" && e.User == "wrongpick");
    }

    [Fact]
    public async Task An_assertion_made_for_the_sign_in_is_refused_as_an_approval()
    {
        await using var browser = await OwnerAsync("replayer");
        await using var login = await StartLoginAsync("replayer", "echo should-not-run");
        await browser.Page.GotoAsync($"{_web.BaseUrl}/approve/{login.Code}");

        // In the owner's own browser: a sign-in ceremony (its options from /login), answered by the security key, and
        // that answer posted to this approval's verify step.
        var outcome = await browser.Page.EvaluateAsync<JsonElement>(ReplaySignInAssertion, new { code = login.Code, user = "replayer" });
        Assert.Equal(401, outcome.GetProperty("status").GetInt32());
        Assert.Contains("security key check failed", outcome.GetProperty("body").GetString(), StringComparison.Ordinal);
        Assert.Equal(LoginApprovalState.Pending, (await _web.Store.GetLoginApprovalAsync(login.Code))!.State);
        var audit = await _bed.WaitForAuditAsync(l => l.Any(e => e.Type == "auth.approval_refused" && e.User == "replayer"), "the refused assertion");
        Assert.Contains("not started here", audit.Single(e => e.Type == "auth.approval_refused" && e.User == "replayer")["reason"], StringComparison.Ordinal);
        Assert.DoesNotContain(audit, e => e.Type == "auth.success" && e.User == "replayer");
    }

    [Fact]
    public async Task A_client_killed_while_waiting_cancels_its_approval_and_nobody_can_approve_it_afterwards()
    {
        await using var browser = await OwnerAsync("leaver");
        var login = await StartLoginAsync("leaver", "echo should-not-run");
        await login.Ssh.StopAsync(graceful: false);

        var audit = await _bed.WaitForAuditAsync(l => l.Any(e => e.Type == "auth.approval_abandoned" && e.User == "leaver"), "the abandoned approval");
        Assert.Equal(login.Code, audit.Single(e => e.Type == "auth.approval_abandoned")["approval"]);
        await browser.Page.GotoAsync($"{_web.BaseUrl}/approve/{login.Code}");
        Assert.Contains("ssh client went away", await browser.Page.InnerTextAsync("#approval-abandoned"), StringComparison.Ordinal);
        Assert.Equal("abandoned", (await browser.Page.InnerTextAsync("#approval-state")).Trim());
        Assert.Equal(0, await browser.Page.Locator("#approval-choices button").CountAsync());
        Assert.False(await _web.Store.DecideLoginApprovalAsync(login.Code, approve: true, "leaver"));
        Assert.DoesNotContain(await AuditTail.ReadAsync(_bed.DataDirectory), e => e.Type == "auth.success" && e.User == "leaver");
    }

    [Fact]
    public async Task Another_users_look_at_an_approval_is_refused_and_audited()
    {
        await using var owner = await OwnerAsync("owner1");
        await using var login = await StartLoginAsync("owner1", "echo x");
        await using var other = await OwnerAsync("nosy");
        var response = await other.Page.GotoAsync($"{_web.BaseUrl}/approve/{login.Code}");
        Assert.NotEqual(200, response!.Status);
        // The web app's events name the signed-in actor as the user and the login's owner as the subject.
        var audit = await _bed.WaitForAuditAsync(l => l.Any(e => e.Type == "auth.approval_refused" && e["subject"] == "owner1"), "the refused look");
        var refused = audit.Single(e => e.Type == "auth.approval_refused" && e["subject"] == "owner1");
        Assert.Equal("nosy", refused.User);
        Assert.Equal("view", refused["attempted"]);
    }

    private const string ReplaySignInAssertion = """
        async ({ code, user }) => {
          const b64u = (buf) => btoa(String.fromCharCode(...new Uint8Array(buf))).replace(/\+/g, '-').replace(/\//g, '_').replace(/=+$/, '');
          const fromB64u = (s) => Uint8Array.from(atob(s.replace(/-/g, '+').replace(/_/g, '/')), c => c.charCodeAt(0));
          const token = document.querySelector('input[name="__RequestVerificationToken"]').value;
          const form = new FormData();
          form.append('username', user);
          form.append('__RequestVerificationToken', token);
          const options = await (await fetch('/login?handler=options', { method: 'POST', body: form, credentials: 'same-origin' })).json();
          const cred = await navigator.credentials.get({ publicKey: {
            challenge: fromB64u(options.challenge), rpId: options.rpId, userVerification: 'discouraged',
            allowCredentials: (options.allowCredentials || []).map(c => ({ type: 'public-key', id: fromB64u(c.id) })) } });
          const payload = { id: cred.id, rawId: b64u(cred.rawId), type: cred.type,
            response: { authenticatorData: b64u(cred.response.authenticatorData), clientDataJSON: b64u(cred.response.clientDataJSON),
                        signature: b64u(cred.response.signature), userHandle: cred.response.userHandle ? b64u(cred.response.userHandle) : null },
            clientExtensionResults: {} };
          const res = await fetch(`/approve/${code}?handler=verify`, { method: 'POST', credentials: 'same-origin',
            headers: { 'Content-Type': 'application/json', RequestVerificationToken: token }, body: JSON.stringify(payload) });
          return { status: res.status, body: await res.text() };
        }
        """;

    /// <summary>A user with policy key+webauthn, a web role and a registered virtual security key, signed in in Chromium.</summary>
    private async Task<BrowserSession> OwnerAsync(string name)
    {
        await _bed.AddTotpUserAsync(name);
        await GatewayCli.RunCheckedAsync(_bed.DataDirectory, "user", "set", name, "--mfa", "key+webauthn");
        var user = (await _web.Store.GetUserAsync(name))!;
        await _web.Store.SetRolesAsync(user.Id, [AdminRoles.User]);
        var browser = await BrowserSession.StartAsync("ctap2");
        await browser.RedeemInviteAsync(await _web.InviteAsync(name), _web.BaseUrl);
        return browser;
    }

    private sealed record PendingLogin(BackgroundProcess Ssh, string Code, int Number, string Source) : IAsyncDisposable
    {
        public ValueTask DisposeAsync() => Ssh.DisposeAsync();
    }

    /// <summary>Starts a real ssh login and reads, from its terminal output, the approval link and the number it shows.</summary>
    private async Task<PendingLogin> StartLoginAsync(string name, string command)
    {
        var client = _bed.NewClient(name);
        client.Ssh.ConnectTimeoutSeconds = 90;
        var ssh = client.Ssh.StartSsh(BastionTestbed.TargetHost, command);
        if (!await ssh.WaitForOutputAsync(o => PickLine().IsMatch(o) && ApprovalLink().IsMatch(o), TimeSpan.FromSeconds(30)))
        {
            await ssh.DisposeAsync();
            Assert.Fail($"the terminal never showed the approval link and number:\n{ssh.Output}{_bed.Logs()}");
        }
        return new PendingLogin(ssh, ApprovalLink().Match(ssh.Output).Groups[1].Value,
            int.Parse(PickLine().Match(ssh.Output).Groups[1].Value, System.Globalization.CultureInfo.InvariantCulture), client.SourceAddress.ToString());
    }

    [GeneratedRegex(@"pick the number (\d\d)\.")]
    private static partial Regex PickLine();

    [GeneratedRegex(@"/approve/([A-Z0-9]{10})")]
    private static partial Regex ApprovalLink();
}
