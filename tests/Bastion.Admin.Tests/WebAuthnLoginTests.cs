using Bastion.Admin.Tests.Infrastructure;
using Bastion.Core.Audit;
using Bastion.Core.Store;

namespace Bastion.Admin.Tests;

/// <summary>Invite → security key registration → WebAuthn login, with U2F and FIDO2 virtual authenticators.</summary>
public sealed class WebAuthnLoginTests
{
    [Theory]
    [InlineData("u2f")]
    [InlineData("ctap2")]
    public async Task Invite_registers_a_key_then_the_key_signs_in_and_the_counter_advances(string protocol)
    {
        await using var host = await AdminAppHost.StartAsync();
        var invite = await host.AddPersonAsync("root", AdminRoles.Admin);
        await using var browser = await BrowserSession.StartAsync(protocol);

        await browser.RedeemInviteAsync(invite, host.BaseUrl);
        Assert.Contains("Welcome, root", await browser.Page.InnerTextAsync("h1"));
        var user = (await host.Store.GetUserAsync("root"))!;
        var keys = await host.Store.ListWebAuthnCredentialsAsync(user.Id);
        Assert.Single(keys);

        // The invite is spent: opening it again says so.
        await browser.Page.GotoAsync(invite);
        Assert.Contains("does not work", await browser.Page.InnerTextAsync("h1"));

        await browser.Page.ClickAsync("#logout");
        await browser.Page.WaitForURLAsync($"{host.BaseUrl}/login");
        Assert.Contains("Signed out.", await browser.Page.InnerTextAsync(".flash"));
        await browser.LoginAsync(host.BaseUrl, "root");
        Assert.Contains("Welcome, root", await browser.Page.InnerTextAsync("h1"));

        var after = (await host.Store.ListWebAuthnCredentialsAsync(user.Id)).Single();
        Assert.NotNull(after.LastUsedAt);
        Assert.True(after.SignatureCounter > keys[0].SignatureCounter, $"counter {after.SignatureCounter} should exceed {keys[0].SignatureCounter}");

        var logins = await host.Audit.QueryAsync(new AuditQuery { Type = "admin.login", User = "root" });
        Assert.Equal(2, logins.Events.Count);
        Assert.Contains(logins.Events, e => e.Data["method"] == "webauthn");
    }

    [Fact]
    public async Task Unknown_user_gets_decoy_options_and_a_forged_assertion_is_refused_and_audited()
    {
        await using var host = await AdminAppHost.StartAsync();
        await host.AddPersonAsync("root", AdminRoles.Admin);
        await using var browser = await BrowserSession.StartAsync();
        await browser.RedeemInviteAsync(await host.InviteAsync("root"), host.BaseUrl);
        await browser.Page.ClickAsync("#logout");
        await browser.Page.WaitForURLAsync($"{host.BaseUrl}/login");

        // Options for a real and for an unknown user look alike: one allowed credential each.
        const string optionsFor = """
            async (name) => {
              const form = new FormData(document.querySelector('form[data-webauthn]'));
              form.set('username', name);
              const res = await fetch('/login?handler=options', { method: 'POST', body: form });
              const json = await res.json();
              return [res.status, json.allowCredentials.length, json.allowCredentials[0].id.length];
            }
            """;
        var real = await browser.Page.EvaluateAsync<int[]>(optionsFor, "root");
        var unknown = await browser.Page.EvaluateAsync<int[]>(optionsFor, "nobody");
        Assert.Equal(200, unknown[0]);
        Assert.Equal(real[1], unknown[1]);

        // A made-up assertion for the started login is refused with 401 and written to the audit trail.
        var status = await browser.Page.EvaluateAsync<int>("""
            async () => {
              const token = document.querySelector('input[name="__RequestVerificationToken"]').value;
              const res = await fetch('/login?handler=verify', {
                method: 'POST',
                headers: { 'Content-Type': 'application/json', RequestVerificationToken: token },
                body: JSON.stringify({ id: 'AAAA', rawId: 'AAAA', type: 'public-key',
                  response: { authenticatorData: 'AAAA', clientDataJSON: 'AAAA', signature: 'AAAA' } }),
              });
              return res.status;
            }
            """);
        Assert.Equal(401, status);
        var failures = await host.Audit.QueryAsync(new AuditQuery { Type = "admin.login.failure" });
        Assert.Contains(failures.Events, e => e.Data.GetValueOrDefault("subject") == "nobody");

        // Signing in as a name that does not exist (a typo): the key has nothing for it, and the page says to check
        // the name (it used to say only "cancelled or timed out"), without saying whether the name exists.
        await browser.Page.FillAsync("#username", "nobdy");
        await browser.Page.ClickAsync("#signin");
        await browser.Page.WaitForFunctionAsync("() => document.querySelector('#login-status').textContent.includes('check the name')",
            null, new Microsoft.Playwright.PageWaitForFunctionOptions { Timeout = 60_000 });
        Assert.Equal($"{host.BaseUrl}/login", browser.Page.Url);
    }
}
