using Bastion.Admin.Tests.Infrastructure;
using Bastion.Core.Audit;
using Bastion.Core.Mfa;
using Bastion.Core.Secrets;
using Bastion.Core.Store;

namespace Bastion.Admin.Tests;

/// <summary>The bootstrap story: an admin invited from the CLI invites alice, who enrols everything she needs for ssh.</summary>
public sealed class EnrolmentTests
{
    [Fact]
    public async Task Admin_invites_alice_who_registers_a_u2f_key_adds_ssh_keys_and_enrols_totp()
    {
        await using var host = await AdminAppHost.StartAsync();
        var rootInvite = await host.AddPersonAsync("root", AdminRoles.Admin, AdminRoles.Auditor);

        await using var admin = await BrowserSession.StartAsync("ctap2");
        await admin.RedeemInviteAsync(rootInvite, host.BaseUrl);
        await admin.ScreenshotAsync("home-admin");

        // The admin invites alice from the Users page; the link is shown once.
        await admin.Page.GotoAsync($"{host.BaseUrl}/admin/users");
        await admin.Page.FillAsync("#name", "alice");
        await admin.Page.FillAsync("#groups", "dev, ops");
        await admin.Page.ClickAsync("#invite");
        var aliceInvite = (await admin.Page.InnerTextAsync("#invite-url")).Trim();
        Assert.StartsWith($"{host.BaseUrl}/invite/", aliceInvite);
        await admin.ScreenshotAsync("admin-users");

        await using var alice = await BrowserSession.StartAsync("u2f");
        await alice.RedeemInviteAsync(aliceInvite, host.BaseUrl);
        var aliceUser = (await host.Store.GetUserAsync("alice"))!;
        Assert.Equal(["dev", "ops"], aliceUser.Groups);
        Assert.Equal([AdminRoles.User], await host.Store.GetRolesAsync(aliceUser.Id));
        Assert.Single(await host.Store.ListWebAuthnCredentialsAsync(aliceUser.Id));

        // SSH keys: a plain ed25519 key and a security-key (sk-) key with options.
        await alice.Page.GotoAsync($"{host.BaseUrl}/account/ssh-keys");
        foreach (var line in new[] { TestKeys.Ed25519Line("alice@laptop"), TestKeys.SecurityKeyLine("alice@yubikey") })
        {
            await alice.Page.FillAsync("#line", line);
            await alice.Page.ClickAsync("#add-ssh-key");
            await alice.Page.WaitForSelectorAsync(".flash");
        }
        var keys = await host.Store.ListSshKeysAsync("alice");
        Assert.Equal(["ssh-ed25519", "sk-ssh-ed25519@openssh.com"], keys.Select(k => k.KeyType));
        Assert.Contains("verify-required", keys[1].Options);
        var table = await alice.Page.InnerTextAsync("#ssh-keys");
        Assert.Contains(keys[0].Fingerprint, table);
        Assert.Contains("never", table);
        await alice.ScreenshotAsync("account-ssh-keys");

        // A line that is not a key is refused with a message.
        await alice.Page.FillAsync("#line", "ssh-ed25519 not-base64!");
        await alice.Page.ClickAsync("#add-ssh-key");
        Assert.Contains("not a public key", await alice.Page.InnerTextAsync(".flash.error"));

        // TOTP: the secret becomes active only after a valid code.
        await alice.Page.GotoAsync($"{host.BaseUrl}/account/totp");
        await alice.Page.ClickAsync("#start-totp");
        var secret = (await alice.Page.InnerTextAsync("#totp-secret")).Trim();
        Assert.Matches("^[A-Z2-7]{32}$", secret);
        // POST-redirect-GET: the secret is shown on a plain GET of the page, so a reload cannot start another one.
        Assert.Equal($"{host.BaseUrl}/account/totp", alice.Page.Url);
        Assert.StartsWith("data:image/svg+xml;base64,", await alice.Page.GetAttributeAsync("img.qr", "src"));
        await alice.ScreenshotAsync("account-totp-enrol");
        Assert.Null(await host.Store.GetTotpCredentialAsync(aliceUser.Id));

        // A mistyped code keeps the same secret and QR on the page (it used to vanish, leaving a pending secret
        // nobody could see); the page, not the cookie, carries it: a fresh load of the page never shows it.
        var qr = await alice.Page.GetAttributeAsync("img.qr", "src");
        await alice.Page.FillAsync("#code", "000000" == TestKeys.TotpCode(secret) ? "111111" : "000000");
        await alice.Page.ClickAsync("#confirm-totp");
        Assert.Contains("not right", await alice.Page.InnerTextAsync("#confirm-error"));
        Assert.Equal(secret, (await alice.Page.InnerTextAsync("#totp-secret")).Trim());
        Assert.Equal(qr, await alice.Page.GetAttributeAsync("img.qr", "src"));
        Assert.Null(await host.Store.GetTotpCredentialAsync(aliceUser.Id));
        var fresh = await alice.Page.APIRequest.GetAsync($"{host.BaseUrl}/account/totp");
        Assert.DoesNotContain(secret, await fresh.TextAsync());
        // A carried secret altered (or another user's) is not shown: the error only, as before.
        var forged = await alice.Page.APIRequest.PostAsync($"{host.BaseUrl}/account/totp?handler=confirm", new Microsoft.Playwright.APIRequestContextOptions
        {
            Form = alice.Page.APIRequest.CreateFormData()
                .Append("__RequestVerificationToken", (await alice.Page.GetAttributeAsync("input[name='__RequestVerificationToken']", "value"))!)
                .Append("code", "000000" == TestKeys.TotpCode(secret) ? "111111" : "000000")
                .Append("shown", (await alice.Page.GetAttributeAsync("input[name='shown']", "value"))! + "A"),
        });
        Assert.DoesNotContain(secret, await forged.TextAsync());

        await alice.Page.FillAsync("#code", TestKeys.TotpCode(secret));
        await alice.Page.ClickAsync("#confirm-totp");
        Assert.Contains("TOTP is active", await alice.Page.InnerTextAsync(".flash"));
        Assert.NotNull(await host.Store.GetTotpCredentialAsync(aliceUser.Id));
        Assert.Null(await host.Store.GetPendingTotpAsync(aliceUser.Id));

        // The gateway's verifier accepts the seed (next step's code: the confirming step is spent).
        using var protector = await SecretProtector.LoadOrCreateAsync(Path.Combine(host.DataDirectory, "secret.key"));
        var verifier = new TotpVerifier(host.Store, protector);
        Assert.Equal(TotpVerificationResult.Replayed, await verifier.VerifyAsync("alice", TestKeys.TotpCode(secret)));
        Assert.Equal(TotpVerificationResult.Accepted, await verifier.VerifyAsync("alice", TestKeys.TotpCode(secret, DateTime.UtcNow.AddSeconds(30))));

        await alice.Page.GotoAsync($"{host.BaseUrl}/account/ssh-config");
        Assert.Contains("ProxyJump alice@", await alice.Page.InnerTextAsync("#ssh-config"));
        await alice.ScreenshotAsync("account-ssh-config");

        // Every change is in the audit trail with the acting person.
        var events = (await host.Audit.QueryAsync(new AuditQuery { Limit = 200 })).Events;
        Assert.Contains(events, e => e.Type == AuditEventTypes.AdminUserAdded && e.Data["actor"] == "root" && e.Data["subject"] == "alice");
        Assert.Contains(events, e => e.Type == AuditEventTypes.AdminKeyAdded && e.Data["actor"] == "alice");
        Assert.Contains(events, e => e.Type == AuditEventTypes.AdminTotpEnrolled && e.Data["actor"] == "alice");
        Assert.Contains(events, e => e.Type == "admin.invite.redeemed" && e.User == "alice");
    }
}
