using Bastion.Admin.Tests.Infrastructure;
using Bastion.Core.Store;

namespace Bastion.Admin.Tests;

/// <summary>
/// The Users page's invite form: POST-redirect-GET (a reload used to re-post "?handler=invite"), the link shown once,
/// and a refused invite keeping what was typed.
/// </summary>
public sealed class InviteFormTests
{
    [Fact]
    public async Task An_invite_redirects_to_a_plain_get_that_shows_the_link_once_and_a_refused_one_keeps_the_input()
    {
        await using var host = await AdminAppHost.StartAsync();
        var rootInvite = await host.AddPersonAsync("root", AdminRoles.Admin, AdminRoles.Auditor);
        await using var admin = await BrowserSession.StartAsync();
        await admin.RedeemInviteAsync(rootInvite, host.BaseUrl);
        var page = admin.Page;
        await page.GotoAsync($"{host.BaseUrl}/admin/users");

        await page.FillAsync("#name", "alice");
        await page.FillAsync("#groups", "dev");
        await page.ClickAsync("#invite");
        var link = (await page.InnerTextAsync("#invite-url")).Trim();
        Assert.StartsWith($"{host.BaseUrl}/invite/", link);
        Assert.Equal($"{host.BaseUrl}/admin/users", page.Url);

        // A reload is a GET: no second post, no second user or invite, and the link is not shown again.
        var events = (await host.Audit.QueryAsync(new Bastion.Core.Audit.AuditQuery { Limit = 1000 })).Events.Count;
        await page.ReloadAsync();
        await page.WaitForSelectorAsync("#users tr[data-user='alice']");
        Assert.Equal(0, await page.Locator("#invite-url").CountAsync());
        Assert.Equal(events, (await host.Audit.QueryAsync(new Bastion.Core.Audit.AuditQuery { Limit = 1000 })).Events.Count);
        Assert.Single(await host.Store.ListOpenInvitesAsync(), i => i.CreatedBy == "root");

        // A name that is taken: the message, with the name, groups and roles as typed.
        await page.FillAsync("#name", "alice");
        await page.FillAsync("#groups", "ops, dev");
        await page.CheckAsync("input[name='Invite.Roles'][value='auditor']");
        await page.UncheckAsync("input[name='Invite.Roles'][value='user']");
        await page.ClickAsync("#invite");
        Assert.Contains("alice", await page.InnerTextAsync("#invite-error"));
        Assert.Equal("alice", await page.InputValueAsync("#name"));
        Assert.Equal("ops, dev", await page.InputValueAsync("#groups"));
        Assert.True(await page.IsCheckedAsync("input[name='Invite.Roles'][value='auditor']"));
        Assert.False(await page.IsCheckedAsync("input[name='Invite.Roles'][value='user']"));
        Assert.Equal(0, await page.Locator("#invite-url").CountAsync());
        Assert.Equal(["dev"], (await host.Store.GetUserAsync("alice"))!.Groups);

        // Re-issuing from alice's own page redirects the same way.
        await page.GotoAsync($"{host.BaseUrl}/admin/users/alice");
        await page.ClickAsync("#new-invite");
        var second = (await page.InnerTextAsync("#invite-url")).Trim();
        Assert.NotEqual(link, second);
        Assert.Equal($"{host.BaseUrl}/admin/users/alice", page.Url);
        await page.ReloadAsync();
        Assert.Equal(0, await page.Locator("#invite-url").CountAsync());
    }
}
