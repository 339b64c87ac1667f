using System.Text.RegularExpressions;
using Bastion.Admin.Tests.Infrastructure;
using Bastion.Core.Store;

namespace Bastion.Admin.Tests;

/// <summary>
/// The browser checks a user name as the server does: the invite form's pattern compiles in Chromium (its "v" flag
/// rejected the old "[a-z0-9_-]", which silently turned the check off) and accepts exactly the server's names.
/// </summary>
public sealed class FormValidationTests
{
    private static readonly string[] Samples = ["alice", "a.b-c_d", "_svc", "x", new('a', 32), "Alice", "bad name", "9lives", "-x", ".x", new('a', 33), "al/ice", "é"];

    [Fact]
    public void The_html_user_name_pattern_accepts_exactly_what_the_server_accepts()
    {
        var html = new Regex($"^(?:{Names.UserNameHtmlPattern})$", RegexOptions.CultureInvariant);
        foreach (var name in Samples)
        {
            Assert.True(Names.IsValidUserName(name) == html.IsMatch(name), $"{name}: server {Names.IsValidUserName(name)}, page pattern {html.IsMatch(name)}");
        }
    }

    [Fact]
    public async Task Chromium_checks_the_invite_forms_user_name_like_the_server()
    {
        await using var host = await AdminAppHost.StartAsync();
        var rootInvite = await host.AddPersonAsync("root", AdminRoles.Admin, AdminRoles.Auditor);
        await using var admin = await BrowserSession.StartAsync("ctap2");
        await admin.RedeemInviteAsync(rootInvite, host.BaseUrl);
        await admin.Page.GotoAsync($"{host.BaseUrl}/admin/users");

        foreach (var name in Samples.Where(n => n.Length <= 32))
        {
            await admin.Page.FillAsync("#name", name);
            var browserSays = await admin.Page.EvalOnSelectorAsync<bool>("#name", "e => e.checkValidity()");
            Assert.True(browserSays == Names.IsValidUserName(name), $"Chromium says {name} is {(browserSays ? "valid" : "invalid")}; the server disagrees");
        }

        // Every page names an icon that exists (browsers asked for /favicon.ico and got a 404).
        var icon = await admin.Page.GetAttributeAsync("link[rel='icon']", "href");
        Assert.Equal("/favicon.svg", icon);
        var response = await admin.Page.APIRequest.GetAsync(host.BaseUrl + icon);
        Assert.Equal(200, response.Status);
        Assert.StartsWith("image/svg+xml", response.Headers["content-type"]);
    }
}
