using System.Text.Json;
using Bastion.Admin.Tests.Infrastructure;
using Bastion.Core.Audit;
using Bastion.Core.Store;
using Microsoft.Data.Sqlite;
using Microsoft.Playwright;

namespace Bastion.Admin.Tests;

/// <summary>The auditor's audit search: filters, paging, hash-chain status, JSON-lines and CSV exports, and who may see it.</summary>
public sealed class AuditEventsTests
{
    private const string Formula = "=HYPERLINK(\"http://evil.example/\",\"click\")";

    [Fact]
    public async Task Auditor_searches_pages_and_exports_the_filtered_range()
    {
        await using var host = await AdminAppHost.StartAsync();
        var invite = await host.AddPersonAsync("audrey", AdminRoles.Auditor);
        var trail = host.Audit;
        var day = new DateTimeOffset(2030, 1, 1, 0, 0, 0, TimeSpan.Zero);
        for (var i = 0; i < 60; i++)
        {
            await trail.AppendNowAsync(new AuditEvent(AuditEventTypes.AuthFailure, AuditSeverity.Warning)
            {
                User = "alice", SourceAddress = "203.0.113.7:5000", Timestamp = day.AddMinutes(i),
                Data = new Dictionary<string, string> { ["method"] = "keyboard-interactive", ["n"] = $"{i}" },
            });
        }
        for (var i = 0; i < 5; i++)
        {
            await trail.AppendNowAsync(new AuditEvent(AuditEventTypes.ChannelOpen)
            {
                User = "bob", SessionId = $"s{i}", Timestamp = day.AddDays(1).AddMinutes(i),
                Data = new Dictionary<string, string> { ["target"] = "db-1", ["port"] = "22" },
            });
        }
        await trail.AppendNowAsync(new AuditEvent(AuditEventTypes.ChannelDenied, AuditSeverity.Warning)
        {
            User = "bob", SessionId = "odd,session\nid", Timestamp = day.AddDays(2),
            Data = new Dictionary<string, string> { ["target"] = Formula, ["reason"] = "say \"no\", twice" },
        });

        await using var browser = await BrowserSession.StartAsync();
        await browser.RedeemInviteAsync(invite, host.BaseUrl);
        var page = browser.Page;
        await page.GotoAsync($"{host.BaseUrl}/audit/events");
        var chain = await page.InnerTextAsync("#chain-status");
        Assert.Contains("Hash chain OK", chain);
        Assert.Matches(@"\d+ events verified", chain);
        await browser.ScreenshotAsync("audit-events");

        // Event type prefix, then paging by seq: 50 on the first page, the other 10 on the next.
        await page.FillAsync("#f-type", "auth.");
        await page.ClickAsync("#search");
        await page.WaitForURLAsync("**/audit/events?*type=auth.*");
        Assert.Equal(50, await page.Locator("#events tbody tr").CountAsync());
        Assert.Equal("60", await page.Locator("#events tbody tr").First.GetAttributeAsync("data-seq"));
        Assert.All(await page.Locator("#events tbody tr td:nth-child(2)").AllInnerTextsAsync(), t => Assert.Equal("auth.failure", t));
        await page.ClickAsync("#next-page-top");
        await page.WaitForURLAsync("**before=*");
        Assert.Equal(10, await page.Locator("#events tbody tr").CountAsync());
        Assert.Equal("1", await page.Locator("#events tbody tr").Last.GetAttributeAsync("data-seq"));
        Assert.Equal(0, await page.Locator("#next-page-top, #next-page-bottom").CountAsync());
        Assert.Equal("auth.", await page.InputValueAsync("#f-type"));

        // Target (a data field), user and time range.
        await page.GotoAsync($"{host.BaseUrl}/audit/events?target=DB-1");
        Assert.Equal(5, await page.Locator("#events tbody tr").CountAsync());
        await page.GotoAsync($"{host.BaseUrl}/audit/events?user=alice&from=2030-01-01T00:10&to=2030-01-01T00:20");
        Assert.Equal(10, await page.Locator("#events tbody tr").CountAsync());
        Assert.Contains("n=19", await page.Locator("#events tbody tr").First.InnerTextAsync());
        await page.GotoAsync($"{host.BaseUrl}/audit/events?from=yesterday-ish");
        Assert.Contains("is not a time", await page.InnerTextAsync("#filter-error"));

        // JSON lines of a filtered range: all pages, with the trail's fields and hashes.
        var jsonl = await page.APIRequest.GetAsync($"{host.BaseUrl}/audit/events?handler=jsonl&type=channel.&target=db-1");
        Assert.Equal(200, jsonl.Status);
        Assert.StartsWith("application/x-ndjson", jsonl.Headers["content-type"]);
        Assert.Contains("attachment", jsonl.Headers["content-disposition"]);
        var lines = (await jsonl.TextAsync()).Split('\n', StringSplitOptions.RemoveEmptyEntries);
        Assert.Equal(5, lines.Length);
        foreach (var line in lines)
        {
            using var json = JsonDocument.Parse(line);
            Assert.Equal("channel.open", json.RootElement.GetProperty("type").GetString());
            Assert.Equal("db-1", json.RootElement.GetProperty("data").GetProperty("target").GetString());
            Assert.Equal(64, json.RootElement.GetProperty("hash").GetString()!.Length);
        }
        var all = await page.APIRequest.GetAsync($"{host.BaseUrl}/audit/events?handler=jsonl&type=auth.");
        Assert.Equal(60, (await all.TextAsync()).Split('\n', StringSplitOptions.RemoveEmptyEntries).Length);

        // CSV through the page's link (a real download), quoted and formula-safe.
        await page.GotoAsync($"{host.BaseUrl}/audit/events?user=bob");
        var download = await page.RunAndWaitForDownloadAsync(() => page.ClickAsync("#export-csv"));
        Assert.EndsWith(".csv", download.SuggestedFilename);
        var csv = await File.ReadAllTextAsync((await download.PathAsync())!);
        Assert.StartsWith("seq,time,severity,type,user,source,session,target,data,hash\r\n", csv);
        Assert.Contains("\"'=HYPERLINK(\"\"http://evil.example/\"\",\"\"click\"\")\"", csv);
        Assert.Contains("\"odd,session\nid\"", csv);
        Assert.DoesNotContain(",=HYPERLINK", csv);
        Assert.DoesNotContain(",\"=HYPERLINK", csv);
        Assert.Equal(7, csv.Split("\r\n", StringSplitOptions.RemoveEmptyEntries).Length); // header + 6 bob events
        var head = await page.APIRequest.GetAsync($"{host.BaseUrl}/audit/events?handler=csv&user=bob");
        Assert.StartsWith("text/csv", head.Headers["content-type"]);

        // Exports are audited with the acting auditor and the filter.
        var exports = await trail.QueryAsync(new AuditQuery { Type = "admin.audit.exported" });
        Assert.Equal(4, exports.Events.Count);
        Assert.All(exports.Events, e => Assert.Equal("audrey", e.Data["actor"]));
        Assert.Contains(exports.Events, e => e.Data.GetValueOrDefault("filter_user") == "bob" && e.Data["format"] == "csv");
        Assert.Empty(browser.Dialogs);
    }

    [Fact]
    public async Task Five_hundred_events_read_as_a_list_with_paging_at_the_top_and_no_token_broken()
    {
        await using var host = await AdminAppHost.StartAsync();
        var invite = await host.AddPersonAsync("audrey", AdminRoles.Auditor);
        var now = DateTimeOffset.UtcNow;
        for (var i = 0; i < 500; i++)
        {
            await host.Audit.AppendNowAsync(new AuditEvent(AuditEventTypes.ChannelOpen)
            {
                User = "alice", SourceAddress = "203.0.113.7:50022", SessionId = $"s-{i:D4}-{Guid.NewGuid():N}", Timestamp = now.AddMinutes(-i),
                Data = new Dictionary<string, string>
                {
                    ["target"] = "web-1", ["address"] = "10.0.0.5:22", ["key_fingerprint"] = "SHA256:" + new string('Q', 43),
                    ["decision"] = "allowed by rule #1", ["channel"] = $"{i:x12}",
                },
            });
        }

        await using var browser = await BrowserSession.StartAsync();
        await browser.RedeemInviteAsync(invite, host.BaseUrl);
        var page = browser.Page;
        await page.GotoAsync($"{host.BaseUrl}/audit/events?type=channel.");
        Assert.Equal(50, await page.Locator("#events tbody tr").CountAsync());

        // The first event is on screen without scrolling past the filters, and paging is above the list.
        var first = (await page.Locator("#events tbody tr").First.BoundingBoxAsync())!;
        Assert.True(first.Y + first.Height <= page.ViewportSize!.Height, $"the first row ends at {first.Y + first.Height} px, below the {page.ViewportSize.Height} px window");
        var pagerTop = (await page.Locator("#next-page-top").BoundingBoxAsync())!;
        Assert.True(pagerTop.Y < first.Y, "the paging link is not above the list");
        // One line per row: times, types, users, sources and targets never wrap, and the page does not scroll sideways.
        var broken = await page.EvaluateAsync<string>("""
            () => [...document.querySelectorAll('#events td.nowrap, #events td.summary summary')].filter(cell => {
                const range = document.createRange();
                range.selectNodeContents(cell);
                const lines = new Set([...range.getClientRects()].map(r => Math.round(r.top)));
                return lines.size > 1;
            }).map(cell => cell.outerHTML).slice(0, 3).join('\n')
            """);
        Assert.True(broken.Length == 0, "these cells wrap over two lines:\n" + broken);
        Assert.True(await page.EvaluateAsync<bool>("() => document.documentElement.scrollWidth <= window.innerWidth"), "the audit page scrolls sideways at 1280 px");
        // One line each (with the old layout, every data field on its own line, 50 events made ~13,000 px).
        var rowHeight = await page.EvaluateAsync<double>("() => document.querySelector('#events tbody').getBoundingClientRect().height / 50");
        Assert.True(rowHeight <= 40, $"an event row is {rowHeight:0} px high");
        await browser.ScreenshotAsync("audit-events-compact");

        // Every field is one click away.
        await page.Locator("#events tbody tr").First.Locator("summary").ClickAsync();
        Assert.Contains("SHA256:" + new string('Q', 43), await page.Locator("#events tbody tr").First.Locator("dl.fields").InnerTextAsync());

        // Page size, and a time relative to now as the CLI takes it.
        await page.SelectOptionAsync("#f-size", "25");
        await page.ClickAsync("#search");
        await page.WaitForURLAsync("**size=25*");
        Assert.Equal(25, await page.Locator("#events tbody tr").CountAsync());
        await page.ClickAsync("#next-page-bottom");
        await page.WaitForURLAsync("**before=*");
        Assert.Equal(25, await page.Locator("#events tbody tr").CountAsync());
        Assert.Contains("size=25", page.Url);
        await page.GotoAsync($"{host.BaseUrl}/audit/events?type=channel.&from=2h&size=200");
        Assert.Equal(0, await page.Locator("#filter-error").CountAsync());
        Assert.InRange(await page.Locator("#events tbody tr").CountAsync(), 119, 121);
    }

    [Fact]
    public async Task A_tampered_event_shows_the_chain_as_broken_at_its_seq()
    {
        await using var host = await AdminAppHost.StartAsync();
        var invite = await host.AddPersonAsync("audrey", AdminRoles.Auditor);
        for (var i = 0; i < 3; i++)
        {
            await host.Audit.AppendNowAsync(new AuditEvent(AuditEventTypes.AuthSuccess) { User = "alice" });
        }
        Assert.Equal(1, await host.TamperAsync("UPDATE audit_events SET user_name = 'mallory' WHERE seq = 2;"));
        await using var browser = await BrowserSession.StartAsync();
        await browser.RedeemInviteAsync(invite, host.BaseUrl);
        await browser.Page.GotoAsync($"{host.BaseUrl}/audit/events");
        var status = await browser.Page.InnerTextAsync("#chain-status");
        Assert.Contains("BROKEN at event 2", status);
        Assert.Contains("modified", status);
        await browser.ScreenshotAsync("audit-events-broken-chain");
    }

    [Fact]
    public async Task Plain_user_and_admin_without_auditor_role_get_403_on_audit_search_and_exports()
    {
        await using var host = await AdminAppHost.StartAsync();
        var rootInvite = await host.AddPersonAsync("root", AdminRoles.Admin);
        var bobInvite = await host.AddPersonAsync("bob", AdminRoles.User);
        var audreyInvite = await host.AddPersonAsync("audrey", AdminRoles.Auditor);
        string[] auditPaths = ["/audit/events", "/audit/events?handler=jsonl", "/audit/events?handler=csv&type=auth."];
        string[] adminPaths = ["/admin/rules", "/admin/inventory", "/admin/rules?check_user=root"];

        await using (var bob = await BrowserSession.StartAsync())
        {
            await bob.RedeemInviteAsync(bobInvite, host.BaseUrl);
            foreach (var path in auditPaths.Concat(adminPaths))
            {
                var response = await bob.Page.APIRequest.GetAsync(host.BaseUrl + path);
                Assert.True(response.Status == 403, $"{path}: {response.Status}");
            }
        }
        await using (var root = await BrowserSession.StartAsync())
        {
            await root.RedeemInviteAsync(rootInvite, host.BaseUrl);
            foreach (var path in auditPaths)
            {
                var response = await root.Page.APIRequest.GetAsync(host.BaseUrl + path);
                Assert.True(response.Status == 403, $"{path}: {response.Status}");
                Assert.DoesNotContain("auth.", await response.TextAsync());
            }
            foreach (var path in adminPaths)
            {
                Assert.Equal(200, (await root.Page.APIRequest.GetAsync(host.BaseUrl + path)).Status);
            }
            // Adding a rule is a POST handler of an admin page: refused without the antiforgery token.
            var forged = await root.Page.APIRequest.PostAsync($"{host.BaseUrl}/admin/rules?handler=add", new APIRequestContextOptions
            {
                Form = Form(root.Page, ("NewRule.Effect", "allow"), ("NewRule.Subject", "*"), ("NewRule.Pattern", "*")),
            });
            Assert.Equal(400, forged.Status);
            Assert.Empty(await host.Store.ListAccessRulesAsync());
        }
        await using (var audrey = await BrowserSession.StartAsync())
        {
            await audrey.RedeemInviteAsync(audreyInvite, host.BaseUrl);
            foreach (var path in adminPaths)
            {
                Assert.Equal(403, (await audrey.Page.APIRequest.GetAsync(host.BaseUrl + path)).Status);
            }
            Assert.Equal(200, (await audrey.Page.APIRequest.GetAsync(host.BaseUrl + auditPaths[0])).Status);
        }
        Assert.Empty((await host.Audit.QueryAsync(new AuditQuery { Type = "admin.audit.exported" })).Events);
    }

    private static IFormData Form(IPage page, params (string Name, string Value)[] fields)
    {
        var form = page.APIRequest.CreateFormData();
        foreach (var (name, value) in fields)
        {
            form.Append(name, value);
        }
        return form;
    }
}
