using Bastion.Admin.Tests.Infrastructure;
using Bastion.Core.Audit;
using Bastion.Core.Store;
using Microsoft.Playwright;
using Bastion.Core.Mfa;

namespace Bastion.Admin.Tests;

/// <summary>The Groups page: requiring and clearing a group's MFA policy, what members' pages then show, and who may.</summary>
public sealed class GroupsTests
{
    [Fact]
    public async Task Admin_requires_sk_of_a_group_sees_it_on_the_members_pages_and_clears_it_audited()
    {
        await using var host = await AdminAppHost.StartAsync();
        var invite = await host.AddPersonAsync("root", AdminRoles.Admin);
        await host.Store.AddUserAsync(new NewUser("alice") { Groups = ["prod-admins", "dev"] });
        var carol = await host.Store.AddUserAsync(new NewUser("carol") { Groups = ["prod-admins"], MfaPolicy = MfaPolicies.SecurityKeyAndTotp });
        var dave = await host.Store.AddUserAsync(new NewUser("dave") { Groups = ["dev"] });
        await host.Store.SetRolesAsync(carol.Id, [AdminRoles.User]);
        await host.Store.SetRolesAsync(dave.Id, [AdminRoles.User]);
        await host.Store.AddUserAsync(new NewUser("robot") { IsAutomation = true, MfaPolicy = MfaPolicies.KeyOnly });
        await host.Store.AddSshKeyAsync("robot", Bastion.Core.Keys.AuthorizedKeyLine.Parse(TestKeys.Ed25519Line("robot@ci")));
        await host.Store.AddSshKeyAsync("alice", Bastion.Core.Keys.AuthorizedKeyLine.Parse(TestKeys.Ed25519Line("alice@laptop")));

        await using var browser = await BrowserSession.StartAsync();
        await browser.RedeemInviteAsync(invite, host.BaseUrl);
        var page = browser.Page;
        await page.ClickAsync("header nav a[href='/admin/groups']");
        await page.WaitForSelectorAsync("#groups");
        var names = await page.Locator("#groups tbody tr").EvaluateAllAsync<string[]>("rows => rows.map(r => r.dataset.group)");
        Assert.Equal(["dev", "prod-admins"], names);
        Assert.Equal("alice, carol", (await page.InnerTextAsync("#groups tr[data-group='prod-admins'] td.members")).Trim());
        Assert.Equal("/admin/users/carol", await page.GetAttributeAsync("#groups tr[data-group='prod-admins'] td.members a >> nth=1", "href"));
        Assert.Equal("—", await page.InnerTextAsync("#groups tr[data-group='prod-admins'] td.required"));
        Assert.Equal(0, await page.Locator("#groups tr[data-group='prod-admins'] button.clear").CountAsync());
        var offered = await page.Locator("#groups tr[data-group='prod-admins'] select.policy option").EvaluateAllAsync<string[]>("options => options.map(o => o.value)");
        Assert.Equal(["key+totp", "sk", "sk+totp", "key+webauthn"], offered);

        // Require sk of @prod-admins from its row.
        await page.SelectOptionAsync("#groups tr[data-group='prod-admins'] select.policy", "sk");
        await page.ClickAsync("#groups tr[data-group='prod-admins'] button.require");
        await page.WaitForSelectorAsync(".flash");
        Assert.Contains("members of @prod-admins now need at least sk", await page.InnerTextAsync(".flash"));
        Assert.Equal("sk", await page.InnerTextAsync("#groups tr[data-group='prod-admins'] td.required"));
        Assert.Equal("—", await page.InnerTextAsync("#groups tr[data-group='dev'] td.required"));
        var stored = await host.Store.ListGroupMfaPoliciesAsync();
        Assert.Equal("sk", Assert.Single(stored, kv => kv.Key == "prod-admins").Value);
        Assert.Single(stored);
        await browser.ScreenshotAsync("admin-groups");

        // Alice's own key+totp is raised by the group; carol's own sk+totp is stronger and stays; dave is not a member.
        await page.GotoAsync($"{host.BaseUrl}/admin/users/alice");
        Assert.Equal("sk (required by @prod-admins; own: key+totp)", (await page.InnerTextAsync("#mfa-policy")).Trim());
        await page.GotoAsync($"{host.BaseUrl}/admin/users/carol");
        Assert.Equal("sk+totp", (await page.InnerTextAsync("#mfa-policy")).Trim());
        await page.GotoAsync($"{host.BaseUrl}/admin/users");
        Assert.Contains("sk (required by @prod-admins; own: key+totp)", await page.InnerTextAsync("#users tr[data-user='alice']"));
        Assert.DoesNotContain("required by", await page.InnerTextAsync("#users tr[data-user='dave']"));
        // What each still needs before the gateway lets them in: alice's ordinary key no longer meets the group's sk.
        Assert.Equal("needs security-key SSH key", await page.InnerTextAsync("#users tr[data-user='alice'] td.login"));
        Assert.Equal("needs security-key SSH key, TOTP", await page.InnerTextAsync("#users tr[data-user='carol'] td.login"));
        Assert.Equal("needs SSH key, TOTP", await page.InnerTextAsync("#users tr[data-user='dave'] td.login"));
        Assert.Equal("ready", await page.InnerTextAsync("#users tr[data-user='robot'] td.login"));
        // root has web roles only (admin) and no SSH key: not someone who "needs" anything to use ssh.
        Assert.Equal("web only", await page.InnerTextAsync("#users tr[data-user='root'] td.login"));

        // A group nobody is in yet, written as in access rules ("@ops"); a name the store refuses shows its message.
        await page.GotoAsync($"{host.BaseUrl}/admin/groups");
        await page.FillAsync("#require-group-name", "@ops");
        await page.SelectOptionAsync("#require-group-policy", "sk+totp");
        await page.ClickAsync("#require-group-submit");
        await page.WaitForSelectorAsync("#groups tr[data-group='ops']");
        Assert.Equal("nobody yet", (await page.InnerTextAsync("#groups tr[data-group='ops'] td.members")).Trim());
        Assert.Equal("sk+totp", await page.InnerTextAsync("#groups tr[data-group='ops'] td.required"));
        await page.FillAsync("#require-group-name", "Prod-Admins");
        await page.ClickAsync("#require-group-submit");
        await page.WaitForSelectorAsync(".flash.error");
        Assert.Contains("group name \"Prod-Admins\" is not valid", await page.InnerTextAsync(".flash.error"));

        // "key" is not offered; posted anyway, the store's refusal is shown and nothing changes.
        var token = await page.GetAttributeAsync("#require-group input[name='__RequestVerificationToken']", "value");
        var refused = await page.APIRequest.PostAsync($"{host.BaseUrl}/admin/groups?handler=require", new APIRequestContextOptions
        {
            Form = page.APIRequest.CreateFormData().Append("__RequestVerificationToken", token!).Append("group", "prod-admins").Append("policy", "key"),
        });
        Assert.Equal(200, refused.Status);
        Assert.Contains("a group cannot require MFA policy", await refused.TextAsync());
        Assert.Equal("sk", (await host.Store.ListGroupMfaPoliciesAsync())["prod-admins"]);

        // Clearing puts members back on their own policy.
        await page.GotoAsync($"{host.BaseUrl}/admin/groups");
        await page.ClickAsync("#groups tr[data-group='prod-admins'] button.clear");
        await page.WaitForSelectorAsync(".flash");
        Assert.Contains("@prod-admins no longer requires an MFA policy", await page.InnerTextAsync(".flash"));
        Assert.Equal("—", await page.InnerTextAsync("#groups tr[data-group='prod-admins'] td.required"));
        Assert.False((await host.Store.ListGroupMfaPoliciesAsync()).ContainsKey("prod-admins"));
        await page.GotoAsync($"{host.BaseUrl}/admin/users/alice");
        Assert.Equal("key+totp", (await page.InnerTextAsync("#mfa-policy")).Trim());

        // Each change is audited as the CLI audits it, with the acting admin.
        var changes = (await host.Audit.QueryAsync(new AuditQuery { Type = AuditEventTypes.AdminGroupChanged })).Events;
        Assert.Equal(3, changes.Count);
        Assert.All(changes, e => Assert.Equal("root", e.Data["actor"]));
        Assert.Contains(changes, e => e.Data["subject"] == "@prod-admins" && e.Data["mfa_policy"] == "sk");
        Assert.Contains(changes, e => e.Data["subject"] == "@ops" && e.Data["mfa_policy"] == "sk+totp");
        Assert.Contains(changes, e => e.Data["subject"] == "@prod-admins" && e.Data["mfa_policy"] == "");
        Assert.Empty(browser.Dialogs);
    }

    [Fact]
    public async Task Plain_user_gets_403_on_the_groups_page_and_its_handlers()
    {
        await using var host = await AdminAppHost.StartAsync();
        await host.AddPersonAsync("root", AdminRoles.Admin);
        var invite = await host.AddPersonAsync("bob", AdminRoles.User);
        await host.Store.UpdateUserAsync("bob", new UserChanges { Groups = ["prod-admins"] });
        await host.Store.SetGroupMfaPolicyAsync("prod-admins", MfaPolicies.SecurityKey);
        await using var bob = await BrowserSession.StartAsync();
        await bob.RedeemInviteAsync(invite, host.BaseUrl);

        Assert.Equal(0, await bob.Page.Locator("header nav a[href='/admin/groups']").CountAsync());
        Assert.Equal(403, (await bob.Page.APIRequest.GetAsync($"{host.BaseUrl}/admin/groups")).Status);
        var token = await bob.Page.EvaluateAsync<string>("() => document.querySelector('input[name=\"__RequestVerificationToken\"]').value");
        var require = await bob.Page.APIRequest.PostAsync($"{host.BaseUrl}/admin/groups?handler=require", new APIRequestContextOptions
        {
            Form = bob.Page.APIRequest.CreateFormData().Append("__RequestVerificationToken", token).Append("group", "prod-admins").Append("policy", "key+totp"),
        });
        Assert.Equal(403, require.Status);
        var clear = await bob.Page.APIRequest.PostAsync($"{host.BaseUrl}/admin/groups?handler=clear", new APIRequestContextOptions
        {
            Form = bob.Page.APIRequest.CreateFormData().Append("__RequestVerificationToken", token).Append("group", "prod-admins"),
        });
        Assert.Equal(403, clear.Status);
        Assert.Equal("sk", (await host.Store.ListGroupMfaPoliciesAsync())["prod-admins"]);
        Assert.Empty((await host.Audit.QueryAsync(new AuditQuery { Type = AuditEventTypes.AdminGroupChanged })).Events);
    }
}
