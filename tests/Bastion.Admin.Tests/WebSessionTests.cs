using System.Net;
using Bastion.Admin.Tests.Infrastructure;
using Bastion.Core.Audit;
using Bastion.Core.Store;

namespace Bastion.Admin.Tests;

/// <summary>Server-side sessions: sign-out, sign-out everywhere and the idle timeout end a session whatever cookie a browser keeps.</summary>
public sealed class WebSessionTests
{
    [Fact]
    public async Task After_logout_the_old_cookie_replayed_from_another_client_is_sent_to_sign_in()
    {
        await using var host = await AdminAppHost.StartAsync();
        var invite = await host.AddPersonAsync("bob", AdminRoles.User);
        await using var bob = await BrowserSession.StartAsync();
        await bob.RedeemInviteAsync(invite, host.BaseUrl);
        var cookie = (await bob.Context.CookiesAsync()).Single(c => c.Name == "bastion.session").Value;

        // The copy works while the session lives (so the refusal below is about the session, not the copy).
        Assert.Equal(HttpStatusCode.OK, (await ReplayAsync(host, cookie)).StatusCode);

        await bob.Page.ClickAsync("#logout");
        await bob.Page.WaitForURLAsync($"{host.BaseUrl}/login");
        var replayed = await ReplayAsync(host, cookie);
        Assert.Equal(HttpStatusCode.Redirect, replayed.StatusCode);
        Assert.StartsWith("/login", replayed.Headers.Location!.OriginalString.Replace(host.BaseUrl, "", StringComparison.Ordinal));

        var logout = Assert.Single((await host.Audit.QueryAsync(new AuditQuery { Type = "admin.logout", User = "bob" })).Events);
        var login = Assert.Single((await host.Audit.QueryAsync(new AuditQuery { Type = "admin.login", User = "bob" })).Events);
        Assert.Equal(login.Data["session"], logout.Data["session"]);
    }

    [Fact]
    public async Task Sign_out_everywhere_ends_the_session_of_a_second_browser()
    {
        await using var host = await AdminAppHost.StartAsync();
        var invite = await host.AddPersonAsync("bob", AdminRoles.User);
        await using var laptop = await BrowserSession.StartAsync();
        await laptop.RedeemInviteAsync(invite, host.BaseUrl);
        await using var desktop = await BrowserSession.StartAsync();
        await desktop.CopyCredentialsFromAsync(laptop);
        await desktop.LoginAsync(host.BaseUrl, "bob");
        await desktop.Page.GotoAsync($"{host.BaseUrl}/account/ssh-keys");
        Assert.Equal($"{host.BaseUrl}/account/ssh-keys", desktop.Page.Url);

        await laptop.Page.GotoAsync($"{host.BaseUrl}/logout");
        await laptop.Page.ClickAsync("#signout-everywhere");
        await laptop.Page.WaitForURLAsync($"{host.BaseUrl}/login");
        Assert.Contains("Signed out of all 2 sessions", await laptop.Page.InnerTextAsync(".flash"));

        await desktop.Page.GotoAsync($"{host.BaseUrl}/account/ssh-keys");
        Assert.StartsWith($"{host.BaseUrl}/login", desktop.Page.Url);
        var everywhere = Assert.Single((await host.Audit.QueryAsync(new AuditQuery { Type = "admin.logout.everywhere", User = "bob" })).Events);
        Assert.Equal("2", everywhere.Data["sessions"]);

        // Signing in again starts a fresh session that works.
        await desktop.LoginAsync(host.BaseUrl, "bob");
        await desktop.Page.GotoAsync($"{host.BaseUrl}/account/ssh-keys");
        Assert.Equal($"{host.BaseUrl}/account/ssh-keys", desktop.Page.Url);
    }

    [Fact]
    public async Task A_session_idle_for_longer_than_the_idle_timeout_ends_and_requests_keep_it_alive()
    {
        var clock = new ShiftedClock();
        await using var host = await AdminAppHost.StartWithClockAsync(clock, "--Bastion:Admin:SessionIdleMinutes=20");
        var invite = await host.AddPersonAsync("bob", AdminRoles.User);
        await using var bob = await BrowserSession.StartAsync();
        await bob.RedeemInviteAsync(invite, host.BaseUrl);

        // A request every 15 minutes keeps it going past the idle timeout...
        for (var i = 0; i < 3; i++)
        {
            clock.Advance(TimeSpan.FromMinutes(15));
            await bob.Page.GotoAsync($"{host.BaseUrl}/account/ssh-keys");
            Assert.Equal($"{host.BaseUrl}/account/ssh-keys", bob.Page.Url);
        }

        // ...21 minutes without one ends it.
        clock.Advance(TimeSpan.FromMinutes(21));
        await bob.Page.GotoAsync($"{host.BaseUrl}/account/ssh-keys");
        Assert.StartsWith($"{host.BaseUrl}/login", bob.Page.Url);
    }

    private static async Task<HttpResponseMessage> ReplayAsync(AdminAppHost host, string cookie)
    {
        using var client = new HttpClient(new HttpClientHandler { AllowAutoRedirect = false, UseCookies = false });
        using var request = new HttpRequestMessage(HttpMethod.Get, $"{host.BaseUrl}/account/ssh-keys");
        request.Headers.Add("Cookie", $"bastion.session={cookie}");
        return await client.SendAsync(request);
    }
}
