using Bastion.Admin.Tests.Infrastructure;
using Bastion.Core.Store;

namespace Bastion.Admin.Tests;

/// <summary>Users, Live sessions and Recordings sort by a column in the page: by value, not by the text shown ("2.0 KiB" &lt; "500 MiB" &lt; "1.0 GiB").</summary>
public sealed class SortableTablesTests
{
    [Fact]
    public async Task Headers_sort_users_sessions_and_recordings_both_ways_by_value()
    {
        await using var host = await AdminAppHost.StartAsync();
        var invite = await host.AddPersonAsync("root", AdminRoles.Admin, AdminRoles.Auditor);
        foreach (var name in new[] { "carol", "alice", "bob" })
        {
            await host.AddPersonAsync(name);
        }
        var now = DateTimeOffset.UtcNow;
        var sessions = new (string User, long BytesIn)[] { ("alice", 2048), ("bob", 1L << 30), ("carol", 500L << 20) };
        foreach (var (user, bytesIn) in sessions)
        {
            await host.Store.UpsertLiveSessionAsync(new LiveSession($"c-{user}", $"s-{user}", "node-1", user, "198.51.100.4:50022", "web-1", "10.0.0.5:22",
                null, null, now.AddMinutes(-1), bytesIn, 0, now));
        }
        foreach (var user in new[] { "bob", "carol", "alice" })
        {
            await host.Store.CreateRecordingAsync(RecordingReplayTests.NewRecording(user, "db-1", command: null, now.AddMinutes(-5)));
        }

        await using var browser = await BrowserSession.StartAsync();
        await browser.RedeemInviteAsync(invite, host.BaseUrl);
        var page = browser.Page;

        await page.GotoAsync($"{host.BaseUrl}/admin/users");
        await page.ClickAsync("#users th:nth-child(1) button.sort");
        Assert.Equal(["alice", "bob", "carol", "root"], await Column(page, "#users", "user"));
        Assert.Equal("ascending", await page.GetAttributeAsync("#users th:nth-child(1)", "aria-sort"));
        await page.ClickAsync("#users th:nth-child(1) button.sort");
        Assert.Equal(["root", "carol", "bob", "alice"], await Column(page, "#users", "user"));

        await page.GotoAsync($"{host.BaseUrl}/audit/sessions");
        await page.ClickAsync("#sessions th:nth-child(5) button.sort"); // In: bytes, not "1.0 GiB" as text
        Assert.Equal(["s-alice", "s-carol", "s-bob"], await Column(page, "#sessions", "session"));
        await page.ClickAsync("#sessions th:nth-child(5) button.sort");
        Assert.Equal(["s-bob", "s-carol", "s-alice"], await Column(page, "#sessions", "session"));

        await page.GotoAsync($"{host.BaseUrl}/audit/recordings");
        await page.ClickAsync("#recordings th:nth-child(2) button.sort");
        Assert.Equal(["alice", "bob", "carol"], await page.Locator("#recordings tbody tr td:nth-child(2)").AllInnerTextsAsync());
        await browser.ScreenshotAsync("audit-recordings-sorted");
    }

    private static Task<string[]> Column(Microsoft.Playwright.IPage page, string table, string attribute) =>
        page.Locator($"{table} tbody tr").EvaluateAllAsync<string[]>($"rows => rows.map(r => r.dataset.{attribute})");
}
