using Bastion.Admin.Tests.Infrastructure;
using Bastion.Core.Store;
using Microsoft.Playwright;

namespace Bastion.Admin.Tests;

/// <summary>Headers, CSRF and per-handler authorization, checked from a real signed-in browser.</summary>
public sealed class SecurityTests
{
    [Fact]
    public async Task Plain_user_gets_403_on_admin_handlers_and_posts_without_antiforgery_token_get_400()
    {
        await using var host = await AdminAppHost.StartAsync();
        await host.AddPersonAsync("root", AdminRoles.Admin);
        var invite = await host.AddPersonAsync("bob", AdminRoles.User);
        await using var bob = await BrowserSession.StartAsync();
        await bob.RedeemInviteAsync(invite, host.BaseUrl);

        // GET and POST handlers of admin pages refuse a user without the admin role (not just hidden links).
        var get = await bob.Page.APIRequest.GetAsync($"{host.BaseUrl}/admin/users");
        Assert.Equal(403, get.Status);
        var token = await bob.Page.EvaluateAsync<string>("() => document.querySelector('input[name=\"__RequestVerificationToken\"]').value");
        var post = await bob.Page.APIRequest.PostAsync($"{host.BaseUrl}/admin/users?handler=invite", new APIRequestContextOptions
        {
            Form = FormWith(bob.Page, ("__RequestVerificationToken", token), ("Invite.Name", "mallory"), ("Invite.Roles", "admin")),
        });
        Assert.Equal(403, post.Status);
        Assert.Null(await host.Store.GetUserAsync("mallory"));
        Assert.Equal(403, (await bob.Page.APIRequest.GetAsync($"{host.BaseUrl}/admin/users/root")).Status);

        // A state-changing POST without the antiforgery token is refused with 400.
        var forged = await bob.Page.APIRequest.PostAsync($"{host.BaseUrl}/account/ssh-keys?handler=add", new APIRequestContextOptions
        {
            Form = FormWith(bob.Page, ("line", TestKeys.Ed25519Line("forged"))),
        });
        Assert.Equal(400, forged.Status);
        Assert.Empty(await host.Store.ListSshKeysAsync("bob"));

        // Security headers on pages.
        var page = await bob.Page.APIRequest.GetAsync($"{host.BaseUrl}/account/ssh-keys");
        Assert.Equal(200, page.Status);
        var csp = page.Headers["content-security-policy"];
        Assert.Contains("script-src 'self'", csp);
        Assert.DoesNotContain("unsafe-inline", csp);
        Assert.Equal("nosniff", page.Headers["x-content-type-options"]);
        Assert.Equal("no-referrer", page.Headers["referrer-policy"]);
        Assert.Equal("no-store", page.Headers["cache-control"]);

        // The session cookie is HttpOnly and SameSite=Strict.
        var cookie = (await bob.Context.CookiesAsync()).Single(c => c.Name == "bastion.session");
        Assert.True(cookie.HttpOnly);
        Assert.Equal(SameSiteAttribute.Strict, cookie.SameSite);

        // Unauthenticated requests are sent to the login page.
        await using var stranger = await BrowserSession.StartAsync();
        await stranger.Page.GotoAsync($"{host.BaseUrl}/admin/users");
        Assert.StartsWith($"{host.BaseUrl}/login", stranger.Page.Url);
    }

    [Fact]
    public async Task Disabling_a_user_ends_their_web_session_on_the_next_request()
    {
        await using var host = await AdminAppHost.StartAsync();
        var invite = await host.AddPersonAsync("bob", AdminRoles.User);
        await using var bob = await BrowserSession.StartAsync();
        await bob.RedeemInviteAsync(invite, host.BaseUrl);

        await host.Store.UpdateUserAsync("bob", new UserChanges { Disabled = true });
        await bob.Page.GotoAsync($"{host.BaseUrl}/account/ssh-keys");
        Assert.StartsWith($"{host.BaseUrl}/login", bob.Page.Url);
    }

    private static IFormData FormWith(IPage page, params (string Name, string Value)[] fields)
    {
        var form = page.APIRequest.CreateFormData();
        foreach (var (name, value) in fields)
        {
            form.Append(name, value);
        }
        return form;
    }
}
