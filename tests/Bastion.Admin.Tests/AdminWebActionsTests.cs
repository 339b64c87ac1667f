using Bastion.Admin.Tests.Infrastructure;
using Bastion.Core.Audit;
using Bastion.Core.Store;
using Bastion.Core.Mfa;

namespace Bastion.Admin.Tests;

/// <summary>
/// The web does the CLI's day-to-day work with the same validation and audit events: an admin sets alice's MFA
/// policy (her groups stay), disables bob, adds a static target (a refused one keeps what was typed) and removes it
/// after confirming (a dismissed confirmation removes nothing).
/// </summary>
public sealed class AdminWebActionsTests
{
    [Fact]
    public async Task Admin_sets_an_mfa_policy_disables_a_user_and_adds_and_removes_a_target_from_the_web()
    {
        await using var host = await AdminAppHost.StartAsync();
        var invite = await host.AddPersonAsync("root", AdminRoles.Admin, AdminRoles.Auditor);
        await host.Store.AddUserAsync(new NewUser("alice") { Groups = ["dev", "ops"] });
        await host.Store.AddUserAsync(new NewUser("bob"));
        await using var browser = await BrowserSession.StartAsync();
        await browser.RedeemInviteAsync(invite, host.BaseUrl);
        var page = browser.Page;

        // alice's MFA policy: offered without "key" (she is not an automation account); saving keeps her groups.
        await page.GotoAsync($"{host.BaseUrl}/admin/users/alice");
        var offered = await page.Locator("#mfa-policy-select option").EvaluateAllAsync<string[]>("options => options.map(o => o.value)");
        Assert.DoesNotContain(MfaPolicies.KeyOnly, offered);
        await page.SelectOptionAsync("#mfa-policy-select", MfaPolicies.SecurityKey);
        await page.ClickAsync("#save-user");
        await page.WaitForSelectorAsync(".flash");
        var alice = (await host.Store.GetUserAsync("alice"))!;
        Assert.Equal(MfaPolicies.SecurityKey, alice.MfaPolicy);
        Assert.Equal(["dev", "ops"], alice.Groups);
        Assert.Equal(MfaPolicies.SecurityKey, (await page.InnerTextAsync("#mfa-policy")).Trim());
        await browser.ScreenshotAsync("admin-user-edit");

        // bob disabled.
        await page.GotoAsync($"{host.BaseUrl}/admin/users/bob");
        await page.CheckAsync("input[name='disabled']");
        await page.ClickAsync("#save-user");
        await page.WaitForSelectorAsync(".flash");
        Assert.True((await host.Store.GetUserAsync("bob"))!.Disabled);

        // A static target: a bad port is refused and the form keeps what was typed; then added.
        await page.GotoAsync($"{host.BaseUrl}/admin/inventory");
        await page.FillAsync("#target-name", "web-9");
        await page.FillAsync("#target-address", "10.0.0.9:99999");
        await page.FillAsync("#target-tags", "env=dev, owner=alice");
        await page.ClickAsync("#add-target-button");
        Assert.Contains("no valid port", await page.InnerTextAsync("#target-error"));
        Assert.Equal("web-9", await page.InputValueAsync("#target-name"));
        Assert.Equal("env=dev, owner=alice", await page.InputValueAsync("#target-tags"));
        Assert.Null(await host.Store.GetTargetAsync("web-9"));
        await page.FillAsync("#target-address", "10.0.0.9:2200");
        await page.ClickAsync("#add-target-button");
        await page.WaitForSelectorAsync(".flash");
        Assert.Contains("added target web-9", await page.InnerTextAsync(".flash"));
        var target = (await host.Store.GetTargetAsync("web-9"))!;
        Assert.Equal(("10.0.0.9", 2200), (target.Host, target.Port));
        Assert.Equal("alice", target.Tags["owner"]);
        Assert.Equal(1, await page.Locator("#targets tr[data-target='web-9']").CountAsync());

        // Editing its tags (and address) from its row: the form comes filled in; a bad tag keeps the edit; then saved.
        await page.ClickAsync("[data-edit-target='web-9']");
        Assert.Equal("env=dev, owner=alice", await page.InputValueAsync("#target-tags"));
        Assert.Equal("10.0.0.9:2200", await page.InputValueAsync("#target-address"));
        await page.FillAsync("#target-tags", "env=prod, owner=bob, =oops");
        await page.ClickAsync("#add-target-button");
        Assert.NotEmpty(await page.InnerTextAsync("#target-error"));
        Assert.Equal("env=prod, owner=bob, =oops", await page.InputValueAsync("#target-tags"));
        Assert.Equal("alice", (await host.Store.GetTargetAsync("web-9"))!.Tags["owner"]);
        await page.FillAsync("#target-tags", "env=prod, owner=bob");
        await page.FillAsync("#target-address", "10.0.0.9:22");
        await page.ClickAsync("#add-target-button");
        await page.WaitForSelectorAsync(".flash");
        Assert.Contains("saved target web-9", await page.InnerTextAsync(".flash"));
        target = (await host.Store.GetTargetAsync("web-9"))!;
        Assert.Equal((22, "bob", "prod"), (target.Port, target.Tags["owner"], target.Tags["env"]));
        Assert.Single(await host.Store.ListTargetsAsync());

        // Removing asks first: dismissed, nothing happens; confirmed, the target goes.
        browser.AcceptDialogs = false;
        await page.ClickAsync("[data-remove-target='web-9']");
        Assert.Contains("Remove the static target web-9?", Assert.Single(browser.Dialogs));
        Assert.NotNull(await host.Store.GetTargetAsync("web-9"));
        browser.AcceptDialogs = true;
        await page.ClickAsync("[data-remove-target='web-9']");
        await page.WaitForSelectorAsync(".flash");
        Assert.Null(await host.Store.GetTargetAsync("web-9"));

        // The same events the CLI writes, with the acting person.
        var events = (await host.Audit.QueryAsync(new AuditQuery { Limit = 200 })).Events;
        Assert.Contains(events, e => e.Type == AuditEventTypes.AdminUserChanged && e.Data["subject"] == "alice" && e.Data["mfa_policy"] == MfaPolicies.SecurityKey && e.Data["actor"] == "root");
        Assert.Contains(events, e => e.Type == AuditEventTypes.AdminUserChanged && e.Data["subject"] == "bob" && e.Data["disabled"] == "true");
        Assert.Contains(events, e => e.Type == AuditEventTypes.AdminTargetChanged && e.Data["subject"] == "web-9" && e.Data["change"] == "added" && e.Data["address"] == "10.0.0.9:2200");
        Assert.Contains(events, e => e.Type == AuditEventTypes.AdminTargetChanged && e.Data["subject"] == "web-9" && e.Data["change"] == "updated" && e.Data["tags"] == "env=prod, owner=bob" && e.Data["address"] == "10.0.0.9:22");
        Assert.Contains(events, e => e.Type == AuditEventTypes.AdminTargetChanged && e.Data["subject"] == "web-9" && e.Data["change"] == "removed");
    }
}
