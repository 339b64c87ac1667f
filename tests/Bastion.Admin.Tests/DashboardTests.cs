using Bastion.Admin.Tests.Infrastructure;
using Bastion.Core.Alerts;
using Bastion.Core.Audit;
using Bastion.Core.Inventory;
using Bastion.Core.Keys;
using Bastion.Core.Mfa;
using Bastion.Core.Store;

namespace Bastion.Admin.Tests;

/// <summary>Home is each role's dashboard: what an admin should act on, what an auditor watches, nothing of either for a plain user.</summary>
public sealed class DashboardTests
{
    [Fact]
    public async Task Admin_and_auditor_see_who_cannot_log_in_open_invites_stale_accounts_bypasses_live_sessions_alerts_recordings_and_the_chain()
    {
        await using var host = await AdminAppHost.StartAsync();
        var invite = await host.AddPersonAsync("root", AdminRoles.Admin, AdminRoles.Auditor);
        await host.AddPersonAsync("alice");                        // user role, nothing enrolled, invite open
        var bob = await host.Store.AddUserAsync(new NewUser("bob"));
        await host.Store.SetRolesAsync(bob.Id, [AdminRoles.User]);
        await host.Store.UpdateUserAsync("bob", new UserChanges { Disabled = true });         // disabled: not on the list
        await host.Store.AddUserAsync(new NewUser("carol") { IsAutomation = true, MfaPolicy = MfaPolicies.KeyOnly });
        await host.Store.AddSshKeyAsync("carol", AuthorizedKeyLine.Parse(TestKeys.Ed25519Line("carol@laptop"))); // ready
        await host.Store.AddUserAsync(new NewUser("dan"));          // a key, no TOTP: judged though he has no role
        await host.Store.AddSshKeyAsync("dan", AuthorizedKeyLine.Parse(TestKeys.Ed25519Line("dan@laptop")));

        var now = DateTimeOffset.UtcNow;
        // alice guessed wrong until locked out (as the gateway's rate limiter records it).
        await host.Store.RecordAuthFailureAsync("user:alice", new AuthFailureRule(1, TimeSpan.FromMinutes(15), [TimeSpan.FromMinutes(15)], TimeSpan.FromHours(1)), now);
        await host.Store.SaveInventoryAccountAsync(new InventoryAccountRecord("111122223333", "dev-a", now.AddHours(-3), now, "AccessDenied: sts:AssumeRole", 4, 0, "[]"));
        await host.Store.SaveInventoryAccountAsync(new InventoryAccountRecord("444455556666", "dev-b", now.AddMinutes(-2), now, null, 0, 0, "[]"));
        await host.Store.SyncInventoryFindingsAsync(InventoryFindingKinds.SshBypass,
            [new InventoryFinding(InventoryFindingKinds.SshBypass, "i-0abc/sg-1/tcp/22/0.0.0.0/0", "111122223333", "i-0abc (web-9, dev-a) takes SSH from 0.0.0.0/0 at 203.0.113.9", new Dictionary<string, string>())]);

        await host.Store.UpsertLiveSessionAsync(new LiveSession("c-1", "s-live", "node-1", "carol", "198.51.100.4:50022", "web-1", "10.0.0.5:22", null, null, now.AddMinutes(-7), 10, 20, now));
        await host.Audit.AppendNowAsync(new AuditEvent(AlertTypes.NewSourceNetwork, AuditSeverity.Warning)
        {
            User = "carol", SourceAddress = "198.51.100.4:50022", Data = new Dictionary<string, string> { ["network"] = "198.51.100.0/24" },
        });
        var recording = RecordingReplayTests.NewRecording("carol", "db-2", command: null, now.AddMinutes(-30));
        await host.Store.CreateRecordingAsync(recording);

        await using var browser = await BrowserSession.StartAsync();
        await browser.RedeemInviteAsync(invite, host.BaseUrl);
        var page = browser.Page;
        await page.GotoAsync(host.BaseUrl + "/");

        var notReady = await page.Locator("#not-ready li").AllInnerTextsAsync();
        Assert.Equal(["alice: needs SSH key, TOTP (invite open)", "dan: needs TOTP"], notReady);
        Assert.Contains("1 disabled user not counted", await page.InnerTextAsync("#not-ready"));
        Assert.Equal("/admin/users/alice", await page.GetAttributeAsync("#not-ready li[data-user='alice'] a", "href"));
        // root redeemed its invite; alice's is the one still open.
        Assert.Equal(["alice"], await page.Locator("#pending-invites li").EvaluateAllAsync<string[]>("items => items.map(i => i.dataset.user)"));
        Assert.Contains("from test, expires in", await page.InnerTextAsync("#pending-invites li"));
        Assert.Equal(["dev-a"], await page.Locator("#stale-accounts li").EvaluateAllAsync<string[]>("items => items.map(i => i.dataset.account)"));
        Assert.Contains("last good refresh 3h ago, 4 failed since", await page.InnerTextAsync("#stale-accounts li"));
        Assert.Contains("takes SSH from 0.0.0.0/0", await page.InnerTextAsync("#ssh-bypasses li"));

        Assert.Contains("Audit hash chain OK", await page.InnerTextAsync("#dashboard-chain"));
        Assert.Contains("carol → web-1 from 198.51.100.4:50022, for 7m", await page.InnerTextAsync("#live-sessions li[data-session='s-live']"));
        Assert.Contains("alert.new_source_network", await page.InnerTextAsync("#alerts-today"));
        Assert.Contains("(1)", await page.InnerTextAsync("#alerts-today header"));
        Assert.Equal($"/audit/recordings/{recording.Id}", await page.GetAttributeAsync($"#recent-recordings li[data-recording='{recording.Id}'] a", "href"));
        await browser.ScreenshotAsync("dashboard-admin-auditor");

        // A lockout is lifted from Home, as `bastion lockout clear alice` does, and audited the same way.
        Assert.Contains("alice", await page.InnerTextAsync("#lockouts li[data-subject='user:alice']"));
        Assert.Contains("left", await page.InnerTextAsync("#lockouts li[data-subject='user:alice']"));
        await page.ClickAsync("[data-clear-lockout='user:alice']");
        await page.WaitForSelectorAsync(".flash");
        Assert.Contains("alice can log in again", await page.InnerTextAsync(".flash"));
        Assert.Equal(page.Url.TrimEnd('/'), host.BaseUrl);
        Assert.Empty(await host.Store.ListAuthLockoutsAsync(DateTimeOffset.UtcNow));
        Assert.Contains("Nobody is locked out", await page.InnerTextAsync("#lockouts"));
        var cleared = Assert.Single((await host.Audit.QueryAsync(new AuditQuery { Type = "admin.lockout.cleared" })).Events);
        Assert.Equal(("user:alice", "root"), (cleared.Data["subject"], cleared.Data["actor"]));

        // The alerts link opens the audit page on today's alerts.
        await page.ClickAsync("#alerts-today header a");
        await page.WaitForSelectorAsync("#events");
        Assert.Equal([AlertTypes.NewSourceNetwork], await page.Locator("#events tbody tr td:nth-child(2)").AllInnerTextsAsync());
    }

    [Fact]
    public async Task A_plain_user_sees_only_their_own_access_and_an_auditor_sees_a_broken_chain()
    {
        await using var host = await AdminAppHost.StartAsync();
        var userInvite = await host.AddPersonAsync("alice");
        var auditorInvite = await host.AddPersonAsync("auggie", AdminRoles.Auditor);

        await using (var browser = await BrowserSession.StartAsync())
        {
            await browser.RedeemInviteAsync(userInvite, host.BaseUrl);
            await browser.Page.GotoAsync(host.BaseUrl + "/");
            Assert.Equal(1, await browser.Page.Locator("#my-access").CountAsync());
            Assert.Equal(0, await browser.Page.Locator("#not-ready, #live-sessions, #dashboard-chain").CountAsync());
        }

        await using (var browser = await BrowserSession.StartAsync())
        {
            await browser.RedeemInviteAsync(auditorInvite, host.BaseUrl);
            // Tamper with one event's data behind the chain's back.
            Assert.Equal(1, await host.TamperAsync("UPDATE audit_events SET user_name = 'mallory' WHERE seq = (SELECT MIN(seq) FROM audit_events WHERE user_name = 'auggie');"));
            await browser.Page.GotoAsync(host.BaseUrl + "/");
            Assert.Equal(0, await browser.Page.Locator("#not-ready").CountAsync());
            Assert.Contains("Audit hash chain BROKEN at event", await browser.Page.InnerTextAsync("#dashboard-chain"));
            Assert.Contains("Nobody is connected", await browser.Page.InnerTextAsync("#live-sessions"));
        }
    }
}
