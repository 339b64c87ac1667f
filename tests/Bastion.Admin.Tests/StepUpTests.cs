using Bastion.Admin.Tests.Infrastructure;
using Bastion.Core.Audit;
using Bastion.Core.Store;
using Microsoft.Playwright;

namespace Bastion.Admin.Tests;

/// <summary>
/// Step-up: changes to credentials and policy need a security-key assertion from the last 5 minutes (the default
/// window). The app runs on a <see cref="ShiftedClock"/>, so "six minutes later" is one call.
/// </summary>
public sealed class StepUpTests
{
    [Fact]
    public async Task Adding_an_ssh_key_six_minutes_after_sign_in_asks_for_the_key_again_then_adds_what_was_typed()
    {
        var clock = new ShiftedClock();
        await using var host = await AdminAppHost.StartWithClockAsync(clock);
        var invite = await host.AddPersonAsync("alice", AdminRoles.User);
        await using var alice = await BrowserSession.StartAsync();
        await alice.RedeemInviteAsync(invite, host.BaseUrl);
        await alice.Page.ClickAsync("#logout");
        await alice.Page.WaitForURLAsync($"{host.BaseUrl}/login");
        await alice.LoginAsync(host.BaseUrl, "alice");

        clock.Advance(TimeSpan.FromMinutes(6));
        var line = TestKeys.Ed25519Line("alice@laptop");
        await alice.Page.GotoAsync($"{host.BaseUrl}/account/ssh-keys");
        await alice.Page.FillAsync("#line", line);
        await alice.Page.ClickAsync("#add-ssh-key");

        // The server held the change back (403) and asks for the key, saying why.
        var reason = await alice.Page.InnerTextAsync("#step-up-reason");
        Assert.Contains("To add an SSH key, touch your security key again", reason);
        Assert.Contains("last 5 minutes", reason);
        Assert.Contains("6 minutes ago", reason);
        Assert.Contains(alice.Responses, r => r.Contains("/account/ssh-keys?handler=add -> 403", StringComparison.Ordinal));
        Assert.Empty(await host.Store.ListSshKeysAsync("alice"));
        await alice.ScreenshotAsync("step-up-prompt");

        // One touch: the change is sent again as it was typed, and goes through.
        await alice.Page.ClickAsync("#step-up-confirm");
        await alice.Page.WaitForSelectorAsync(".flash:not(.error)");
        Assert.Equal($"{host.BaseUrl}/account/ssh-keys", alice.Page.Url);
        var key = Assert.Single(await host.Store.ListSshKeysAsync("alice"));
        Assert.Equal("alice@laptop", key.Comment);
        var stepUps = (await host.Audit.QueryAsync(new AuditQuery { Type = "admin.stepup", User = "alice" })).Events;
        Assert.Single(stepUps);

        // Inside the window the next change needs no touch; past it, removing asks again.
        clock.Advance(TimeSpan.FromMinutes(4));
        await alice.Page.ClickAsync("#ssh-keys button[type=submit]");
        Assert.Contains("Removed key", await alice.Page.InnerTextAsync(".flash"));
        Assert.Empty(await host.Store.ListSshKeysAsync("alice"));
        await alice.Page.FillAsync("#line", line);
        await alice.Page.ClickAsync("#add-ssh-key");
        await alice.Page.WaitForSelectorAsync(".flash:not(.error)");
        clock.Advance(TimeSpan.FromMinutes(2));
        await alice.Page.ClickAsync("#ssh-keys button[type=submit]");
        Assert.Contains("To remove an SSH key", await alice.Page.InnerTextAsync("#step-up-reason"));
        Assert.Single(await host.Store.ListSshKeysAsync("alice"));
    }

    [Fact]
    public async Task Replacing_totp_without_step_up_is_refused_by_the_server_and_the_current_code_or_a_touch_allows_it()
    {
        var clock = new ShiftedClock();
        await using var host = await AdminAppHost.StartWithClockAsync(clock);
        var invite = await host.AddPersonAsync("alice", AdminRoles.User);
        await using var alice = await BrowserSession.StartAsync();
        await alice.RedeemInviteAsync(invite, host.BaseUrl);
        var user = (await host.Store.GetUserAsync("alice"))!;

        // Setting up TOTP right after the invite needs no second touch (registering the key was the ceremony).
        await alice.Page.GotoAsync($"{host.BaseUrl}/account/totp");
        await alice.Page.ClickAsync("#start-totp");
        var secret = (await alice.Page.InnerTextAsync("#totp-secret")).Trim();
        await alice.Page.FillAsync("#code", TestKeys.TotpCode(secret, clock.GetUtcNow().UtcDateTime));
        await alice.Page.ClickAsync("#confirm-totp");
        Assert.Contains("TOTP is active", await alice.Page.InnerTextAsync(".flash"));
        var active = (await host.Store.GetTotpCredentialAsync(user.Id))!;

        // Six minutes later a POST straight to the handler, with a valid cookie and antiforgery token, is refused.
        clock.Advance(TimeSpan.FromMinutes(6));
        await alice.Page.GotoAsync($"{host.BaseUrl}/account/totp");
        var token = await alice.AntiforgeryTokenAsync();
        var start = await alice.Page.APIRequest.PostAsync($"{host.BaseUrl}/account/totp?handler=start", Form(alice, ("__RequestVerificationToken", token)));
        Assert.Equal(403, start.Status);
        Assert.Contains("To set up or replace TOTP, touch your security key again", await start.TextAsync());
        var json = await alice.Page.APIRequest.PostAsync($"{host.BaseUrl}/account/totp?handler=start", new APIRequestContextOptions
        {
            Form = Form(alice, ("__RequestVerificationToken", token)).Form,
            Headers = new Dictionary<string, string> { ["Accept"] = "application/json" },
        });
        Assert.Equal(403, json.Status);
        Assert.Contains("\"stepUp\":true", await json.TextAsync());
        Assert.Null(await host.Store.GetPendingTotpAsync(user.Id));

        // A wrong "current code" does not replace it either.
        var wrong = TestKeys.TotpCode(secret, clock.GetUtcNow().UtcDateTime) == "000000" ? "111111" : "000000";
        await alice.Page.FillAsync("#current-code", wrong);
        await alice.Page.ClickAsync("#replace-totp");
        Assert.Contains("not the current code", await alice.Page.InnerTextAsync(".flash.error"));
        Assert.Null(await host.Store.GetPendingTotpAsync(user.Id));
        Assert.Equal(active.EncryptedSecret, (await host.Store.GetTotpCredentialAsync(user.Id))!.EncryptedSecret);

        // The current code of the active secret does.
        await alice.Page.FillAsync("#current-code", TestKeys.TotpCode(secret, clock.GetUtcNow().UtcDateTime));
        await alice.Page.ClickAsync("#replace-totp");
        Assert.Matches("^[A-Z2-7]{32}$", (await alice.Page.InnerTextAsync("#totp-secret")).Trim());
        Assert.NotNull(await host.Store.GetPendingTotpAsync(user.Id));

        // So does a touch of the security key, through the prompt (the person who lost the app).
        await alice.Page.GotoAsync($"{host.BaseUrl}/account/totp");
        await alice.Page.ClickAsync("#start-totp");
        Assert.Contains("To set up or replace TOTP", await alice.Page.InnerTextAsync("#step-up-reason"));
        await alice.Page.ClickAsync("#step-up-confirm");
        await alice.Page.WaitForSelectorAsync("#totp-secret");
        var events = (await host.Audit.QueryAsync(new AuditQuery { Type = "admin.totp.started", User = "alice" })).Events;
        Assert.Equal(["security key", "current code", "security key"], events.OrderBy(e => e.Seq).Select(e => e.Data["proved_by"]));
        var failures = (await host.Audit.QueryAsync(new AuditQuery { Type = "admin.stepup.failure", User = "alice" })).Events;
        Assert.Equal("totp", Assert.Single(failures).Data["method"]);
    }

    [Fact]
    public async Task Registering_another_security_key_after_the_window_does_the_step_up_first_in_the_page()
    {
        var clock = new ShiftedClock();
        await using var host = await AdminAppHost.StartWithClockAsync(clock);
        var invite = await host.AddPersonAsync("root", AdminRoles.Admin);
        await using var root = await BrowserSession.StartAsync("ctap2");
        await root.RedeemInviteAsync(invite, host.BaseUrl);
        var user = (await host.Store.GetUserAsync("root"))!;

        // A virtual authenticator registers one credential per user and site: once the step-up has used the first
        // key, the test takes it off the authenticator so that the same authenticator can register the second.
        var original = (await root.CredentialsAsync()).Single().GetProperty("credentialId").GetString()!;
        var optionsCalls = 0;
        await root.Page.RouteAsync("**/account/security-keys?handler=options*", async route =>
        {
            if (++optionsCalls == 2)
            {
                await root.Cdp.SendAsync("WebAuthn.removeCredential", new Dictionary<string, object> { ["authenticatorId"] = root.AuthenticatorId, ["credentialId"] = original });
            }
            await route.ContinueAsync();
        });

        clock.Advance(TimeSpan.FromMinutes(10));
        await root.Page.GotoAsync($"{host.BaseUrl}/account/security-keys");
        await root.Page.FillAsync("#nickname", "backup");
        await root.Page.ClickAsync("#add-key");
        try
        {
            await root.Page.WaitForSelectorAsync(".flash:not(.error)", new PageWaitForSelectorOptions { Timeout = 15_000 });
        }
        catch (TimeoutException)
        {
            var status = await root.Page.InnerTextAsync("[data-status]");
            throw new TimeoutException($"no confirmation; the page says \"{status}\"; responses: {string.Join(" | ", root.Responses.TakeLast(8))}");
        }

        Assert.Equal(["security key", "backup"], (await host.Store.ListWebAuthnCredentialsAsync(user.Id)).Select(k => k.Nickname));
        Assert.Contains(root.Responses, r => r.Contains("/account/security-keys?handler=options -> 403", StringComparison.Ordinal));
        Assert.Single((await host.Audit.QueryAsync(new AuditQuery { Type = "admin.stepup", User = "root" })).Events);

        // Admin changes to policy ask too: a group's MFA policy, ten minutes after the last touch.
        clock.Advance(TimeSpan.FromMinutes(10));
        await root.Page.GotoAsync($"{host.BaseUrl}/admin/groups");
        await root.Page.FillAsync("#require-group-name", "ops");
        await root.Page.ClickAsync("#require-group-submit");
        Assert.Contains("To change the MFA policy a group requires", await root.Page.InnerTextAsync("#step-up-reason"));
        Assert.Empty(await host.Store.ListGroupMfaPoliciesAsync());
        await root.Page.ClickAsync("#step-up-confirm");
        await root.Page.WaitForSelectorAsync(".flash:not(.error)");
        Assert.True((await host.Store.ListGroupMfaPoliciesAsync()).ContainsKey("ops"));
    }

    [Fact]
    public async Task An_assertion_made_for_the_sign_in_is_refused_as_a_step_up()
    {
        var clock = new ShiftedClock();
        await using var host = await AdminAppHost.StartWithClockAsync(clock);
        var invite = await host.AddPersonAsync("alice", AdminRoles.User);
        await using var alice = await BrowserSession.StartAsync();
        await alice.RedeemInviteAsync(invite, host.BaseUrl);
        await alice.Page.ClickAsync("#logout");
        await alice.Page.WaitForURLAsync($"{host.BaseUrl}/login");

        // Keep a copy of the sign-in assertion as it goes to the server.
        string? signIn = null;
        await alice.Page.RouteAsync("**/login?handler=verify*", async route =>
        {
            signIn = route.Request.PostData;
            await route.ContinueAsync();
        });
        await alice.LoginAsync(host.BaseUrl, "alice");
        Assert.NotNull(signIn);

        // Six minutes later: start a genuine step-up, but answer it with the sign-in assertion.
        clock.Advance(TimeSpan.FromMinutes(6));
        await alice.Page.GotoAsync($"{host.BaseUrl}/account/ssh-keys");
        var token = await alice.AntiforgeryTokenAsync();
        var options = await alice.Page.APIRequest.PostAsync($"{host.BaseUrl}/step-up?handler=options", Form(alice, ("__RequestVerificationToken", token)));
        Assert.Equal(200, options.Status);
        var verify = await alice.Page.APIRequest.PostAsync($"{host.BaseUrl}/step-up?handler=verify", new APIRequestContextOptions
        {
            DataString = signIn,
            Headers = new Dictionary<string, string> { ["Content-Type"] = "application/json", ["RequestVerificationToken"] = token },
        });
        Assert.Equal(401, verify.Status);

        // Not stepped up: the change is still refused, and the attempt is in the audit trail.
        var add = await alice.Page.APIRequest.PostAsync($"{host.BaseUrl}/account/ssh-keys?handler=add",
            Form(alice, ("__RequestVerificationToken", token), ("line", TestKeys.Ed25519Line("replayed"))));
        Assert.Equal(403, add.Status);
        Assert.Empty(await host.Store.ListSshKeysAsync("alice"));
        var failure = Assert.Single((await host.Audit.QueryAsync(new AuditQuery { Type = "admin.stepup.failure", User = "alice" })).Events);
        Assert.Contains("hallenge", failure.Data["reason"]);
        Assert.Empty((await host.Audit.QueryAsync(new AuditQuery { Type = "admin.stepup", User = "alice" })).Events);
    }

    private static APIRequestContextOptions Form(BrowserSession session, params (string Name, string Value)[] fields)
    {
        var form = session.Page.APIRequest.CreateFormData();
        foreach (var (name, value) in fields)
        {
            form.Append(name, value);
        }
        return new APIRequestContextOptions { Form = form };
    }
}
