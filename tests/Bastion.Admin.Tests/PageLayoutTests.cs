using Bastion.Admin.Tests.Infrastructure;
using Bastion.Core.Audit;
using Bastion.Core.Keys;
using Bastion.Core.Store;

namespace Bastion.Admin.Tests;

/// <summary>
/// Every page at 1280 px wide (the common laptop) and 1024 px, with realistic rows in it (long fingerprints,
/// addresses, live sessions, audit events): nothing scrolls sideways, and a screenshot of each is kept for review.
/// </summary>
public sealed class PageLayoutTests
{
    private static readonly string[] Pages =
    [
        "/", "/admin/users", "/admin/users/alice", "/admin/groups", "/admin/rules", "/admin/inventory",
        "/audit/events", "/audit/sessions", "/audit/recordings",
        "/account/ssh-keys", "/account/security-keys", "/account/totp", "/account/ssh-config",
    ];

    [Theory]
    [InlineData(1280)]
    [InlineData(1024)]
    public async Task No_page_scrolls_sideways(int width)
    {
        await using var host = await AdminAppHost.StartAsync();
        var invite = await host.AddPersonAsync("root", AdminRoles.Admin, AdminRoles.Auditor, AdminRoles.User);
        await host.Store.AddUserAsync(new NewUser("alice") { Groups = ["developers", "platform-oncall"] });
        await host.Store.AddSshKeyAsync("alice", AuthorizedKeyLine.Parse(TestKeys.Ed25519Line("alice@a-rather-long-laptop-name.example.com")));
        await host.Store.AddSshKeyAsync("root", AuthorizedKeyLine.Parse(TestKeys.SecurityKeyLine("root@yubikey-5c-nfc")));
        await host.Store.AddTargetAsync(new TargetDefinition("database-primary-eu-west-1", "10.120.34.201") { Account = "production-data", Tags = new Dictionary<string, string> { ["env"] = "prod", ["owner"] = "platform-team" } });
        var now = DateTimeOffset.UtcNow;
        for (var i = 0; i < 5; i++)
        {
            await host.Store.UpsertLiveSessionAsync(new LiveSession($"chan-{i:D6}", $"{Guid.NewGuid():N}", "gateway-node-eu-west-1a", "alice", "[2001:db8:1234:5678:9abc:def0:1234:5678]:50022",
                "database-primary-eu-west-1", "10.120.34.201:22", "i-0123456789abcdef0", "production-data", now.AddMinutes(-i), 123_456_789, 987_654_321, now));
            await host.Audit.AppendNowAsync(new AuditEvent(AuditEventTypes.ChannelOpen)
            {
                User = "alice", SourceAddress = "[2001:db8:1234:5678:9abc:def0:1234:5678]:50022", SessionId = $"{Guid.NewGuid():N}",
                Data = new Dictionary<string, string> { ["target"] = "database-primary-eu-west-1", ["key_fingerprint"] = "SHA256:" + new string('x', 43) },
            });
        }

        await using var browser = await BrowserSession.StartAsync();
        await browser.Page.SetViewportSizeAsync(width, 900);
        await browser.RedeemInviteAsync(invite, host.BaseUrl);
        var overflowing = new List<string>();
        foreach (var path in Pages)
        {
            await browser.Page.GotoAsync(host.BaseUrl + path);
            var (scroll, inner) = (await browser.Page.EvaluateAsync<int>("() => document.documentElement.scrollWidth"), await browser.Page.EvaluateAsync<int>("() => window.innerWidth"));
            if (scroll > inner)
            {
                overflowing.Add($"{path}: {scroll} px wide in a {inner} px window");
            }
            if (path == "/audit/sessions" && width >= 1280)
            {
                // The Kill button is on screen, not clipped at the edge (it was at 1280 px).
                var kill = (await browser.Page.Locator("button[data-kill]").First.BoundingBoxAsync())!;
                Assert.True(kill.X + kill.Width <= width, $"the Kill button ends at {kill.X + kill.Width} px in a {width} px window");
            }
            await browser.ScreenshotAsync($"layout-{width}{path.Replace('/', '-')}");
        }
        Assert.True(overflowing.Count == 0, "pages that scroll sideways:\n" + string.Join("\n", overflowing));
    }
}
