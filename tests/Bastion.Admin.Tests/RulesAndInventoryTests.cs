using Bastion.Core.Inventory;
using System.Text.Json;
using Bastion.Admin.Tests.Infrastructure;
using Bastion.Core.Audit;
using Bastion.Core.Store;
using Bastion.Hosting.Inventory.Ec2;

namespace Bastion.Admin.Tests;

/// <summary>Access rules with the who-can-reach-what checker, the targets page, and hostile strings rendered as text.</summary>
public sealed class RulesAndInventoryTests
{
    private const string Hostile = "<img src=x onerror=alert(1)>";

    [Fact]
    public async Task Admin_adds_a_rule_and_the_checker_shows_allowed_and_denied_with_the_reason()
    {
        await using var host = await AdminAppHost.StartAsync(null, CloudAccounts);
        var invite = await host.AddPersonAsync("root", AdminRoles.Admin);
        await host.Store.AddUserAsync(new NewUser("alice") { Groups = ["dev"] });
        await host.Store.AddUserAsync(new NewUser("bob"));
        await host.Store.AddTargetAsync(new TargetDefinition("web-1", "127.0.0.2") { Account = "lab", Tags = new Dictionary<string, string> { ["env"] = "dev" } });
        await host.Store.AddTargetAsync(new TargetDefinition("db-1", "127.0.0.3") { Tags = new Dictionary<string, string> { ["env"] = "prod" } });
        await SaveCloudAccountAsync(host, "dev-a", "111111111111", null,
            Instance("i-0abc1234def567890", "web-2", "10.9.8.7", "111111111111", "dev-a", new() { ["env"] = "dev", ["Owner"] = "alice" }),
            Instance("i-0fff0000aaa111222", "build-1", "10.9.8.8", "111111111111", "dev-a", new() { ["env"] = "ci" }));
        await SaveCloudAccountAsync(host, "dev-b", "222222222222", "AccessDenied: not authorized to perform ec2:DescribeInstances");
        // What a gateway's refresh leaves in the store for an instance outside dev-b's ranges.
        await host.Store.SyncInventoryFindingsAsync(InventoryFindingKinds.InstanceRejected,
        [
            new InventoryFinding(InventoryFindingKinds.InstanceRejected, "i-0out", "222222222222", "i-0out in dev-b (eu-west-1): not a target: outside",
                new Dictionary<string, string> { ["account_alias"] = "dev-b", ["reason"] = "its primary private address 10.50.0.1 is outside the ranges registered for dev-b (10.10.0.0/16)" }),
        ]);

        await using var browser = await BrowserSession.StartAsync();
        await browser.RedeemInviteAsync(invite, host.BaseUrl);
        var page = browser.Page;
        await page.GotoAsync($"{host.BaseUrl}/admin/rules");
        Assert.Equal(1, await page.Locator("#no-rules").CountAsync());
        await page.SelectOptionAsync("#rule-effect", "allow");
        await page.FillAsync("#rule-subject", "@dev");
        await page.FillAsync("#rule-pattern", "web-*");
        await page.FillAsync("#rule-conditions", "env=dev\n");
        await page.FillAsync("#rule-description", "developers on dev web servers");
        await page.ClickAsync("#add-rule-submit");
        await page.WaitForSelectorAsync(".flash");
        Assert.Contains("added rule #1", await page.InnerTextAsync(".flash"));
        Assert.Contains("env=dev", await page.InnerTextAsync("#rules tr[data-rule-id='1']"));
        var rule = Assert.Single(await host.Store.ListAccessRulesAsync());
        Assert.Equal("dev", rule.RequiredTags["env"]);

        // A personal rule with ${user}, a deny, and a broken condition line that is refused with a message.
        await page.FillAsync("#rule-subject", "*");
        await page.FillAsync("#rule-pattern", "*");
        await page.FillAsync("#rule-conditions", "tag:Owner=${user}");
        await page.ClickAsync("#add-rule-submit");
        await page.WaitForSelectorAsync("#rules tr[data-rule-id='2']");
        await page.SelectOptionAsync("#rule-effect", "deny");
        await page.FillAsync("#rule-subject", "bob");
        await page.FillAsync("#rule-pattern", "db-*");
        await page.ClickAsync("#add-rule-submit");
        await page.WaitForSelectorAsync("#rules tr[data-rule-id='3']");
        await page.FillAsync("#rule-subject", "bob");
        await page.FillAsync("#rule-pattern", "*");
        await page.SelectOptionAsync("#rule-effect", "deny");
        await page.FillAsync("#rule-conditions", "env=prod\nno equals sign");
        await page.FillAsync("#rule-description", "bob off prod");
        await page.ClickAsync("#add-rule-submit");
        Assert.Contains("is not KEY=VALUE", await page.InnerTextAsync("#rule-error"));
        Assert.Equal(3, (await host.Store.ListAccessRulesAsync()).Count);
        // What was typed is still there to correct, not an empty form.
        Assert.Equal("deny", await page.InputValueAsync("#rule-effect"));
        Assert.Equal("bob", await page.InputValueAsync("#rule-subject"));
        Assert.Equal("*", await page.InputValueAsync("#rule-pattern"));
        Assert.Equal("env=prod\nno equals sign", (await page.InputValueAsync("#rule-conditions")).Replace("\r\n", "\n"));
        Assert.Equal("bob off prod", await page.InputValueAsync("#rule-description"));
        Assert.Equal(3, await page.Locator("#rules tbody tr").CountAsync());
        await page.GotoAsync($"{host.BaseUrl}/admin/rules");

        // Alice against every target, static and cloud.
        await page.SelectOptionAsync("#check-user", "alice");
        await page.ClickAsync("#check-user-submit");
        await page.WaitForSelectorAsync("#user-reach");
        await browser.ScreenshotAsync("admin-rules");
        Assert.Equal(4, await page.Locator("#user-reach tbody tr").CountAsync());
        var web1 = await page.InnerTextAsync("#user-reach tr[data-target='web-1']");
        Assert.Contains("allowed", web1);
        Assert.Contains("allowed by rule #1 (@dev → web-* where env=dev)", web1);
        Assert.Contains("allowed by rule #1", await page.InnerTextAsync("#user-reach tr[data-target='web-2']"));
        var db1 = await page.InnerTextAsync("#user-reach tr[data-target='db-1']");
        Assert.Contains("denied", db1);
        Assert.Contains("no rule lets alice reach db-1", db1);
        Assert.Contains("no rule lets alice reach build-1", await page.InnerTextAsync("#user-reach tr[data-target='build-1']"));

        // web-2 (a cloud instance) against every user: alice by the group rule, bob not; root neither.
        await page.SelectOptionAsync("#check-target", "i-0abc1234def567890");
        await page.ClickAsync("#check-target-submit");
        await page.WaitForSelectorAsync("#target-reach");
        Assert.Contains("allowed by rule #1", await page.InnerTextAsync("#target-reach tr[data-user='alice']"));
        Assert.Contains("no rule lets bob reach web-2", await page.InnerTextAsync("#target-reach tr[data-user='bob']"));
        await page.GotoAsync($"{host.BaseUrl}/admin/rules?check_target=db-1");
        Assert.Contains("denied by rule #3 (bob → db-*)", await page.InnerTextAsync("#target-reach tr[data-user='bob']"));

        // Remove the group rule: alice loses web-1, and both changes are audited with the acting admin.
        await page.ClickAsync("#remove-rule-1");
        await page.WaitForSelectorAsync(".flash");
        Assert.Equal(0, await page.Locator("#rules tr[data-rule-id='1']").CountAsync());
        await page.GotoAsync($"{host.BaseUrl}/admin/rules?check_user=alice");
        Assert.Contains("no rule lets alice reach web-1", await page.InnerTextAsync("#user-reach tr[data-target='web-1']"));
        Assert.Contains("allowed by rule #2", await page.InnerTextAsync("#user-reach tr[data-target='web-2']")); // Owner=alice
        var changes = (await host.Audit.QueryAsync(new AuditQuery { Type = AuditEventTypes.AdminRuleChanged })).Events;
        Assert.Equal(4, changes.Count);
        Assert.All(changes, e => Assert.Equal("root", e.Data["actor"]));
        Assert.Contains(changes, e => e.Data["change"] == "removed" && e.Data["subject"] == "#1" && e.Data["conditions"] == "env=dev");

        // Targets page: search by name, account, IP and instance id; per-account status with the stale one flagged.
        await page.GotoAsync($"{host.BaseUrl}/admin/inventory");
        Assert.Equal(4, await page.Locator("#targets tbody tr").CountAsync());
        Assert.Contains("ok", await page.InnerTextAsync("#accounts tr[data-account='dev-a']"));
        var stale = await page.InnerTextAsync("#accounts tr[data-account='dev-b']");
        Assert.Contains("STALE", stale);
        Assert.Contains("AccessDenied", stale);
        Assert.Contains("outside the ranges registered for dev-b", await page.InnerTextAsync("#refused tr[data-instance='i-0out']"));
        await browser.ScreenshotAsync("admin-inventory");
        foreach (var (query, expected) in new[] { ("10.9.8.7", "web-2"), ("i-0fff", "build-1"), ("LAB", "web-1"), ("db", "db-1") })
        {
            await page.FillAsync("#q", query);
            await page.ClickAsync("#search");
            await page.WaitForURLAsync($"**q={Uri.EscapeDataString(query)}*");
            var names = await page.Locator("#targets tbody tr").EvaluateAllAsync<string[]>("rows => rows.map(r => r.dataset.target)");
            Assert.Equal([expected], names);
        }
        await page.GotoAsync($"{host.BaseUrl}/admin/inventory?account=dev-a");
        Assert.Equal(2, await page.Locator("#targets tbody tr").CountAsync());
        Assert.Contains("i-0abc1234def567890", await page.InnerTextAsync("#targets tr[data-target='web-2']"));
        // The one dialog was the confirmation before removing rule #1.
        Assert.StartsWith("Remove rule #1 (allow", Assert.Single(browser.Dialogs));
    }

    [Fact]
    public async Task Hostile_tags_rule_conditions_and_audit_data_render_as_text()
    {
        await using var host = await AdminAppHost.StartAsync(null, CloudAccounts);
        var invite = await host.AddPersonAsync("root", AdminRoles.Admin, AdminRoles.Auditor);
        await host.Store.AddTargetAsync(new TargetDefinition("web-evil", "127.0.0.2")
        {
            Account = Hostile,
            Tags = new Dictionary<string, string> { ["note"] = Hostile, [Hostile] = "key-too" },
        });
        await host.Store.AddAccessRuleAsync(new AccessRuleDefinition("*", "web-*", AccessEffect.Allow)
        {
            RequiredTags = new Dictionary<string, string> { ["note"] = Hostile },
            Description = Hostile,
        });
        await SaveCloudAccountAsync(host, "dev-a", "111111111111", Hostile,
            Instance("i-0abc1234def567890", "web-2", "10.9.8.7", "111111111111", "dev-a", new() { ["Name"] = "web-2", ["comment"] = Hostile }));
        await host.Audit.AppendNowAsync(new AuditEvent(AuditEventTypes.ConnectionAccepted)
        {
            User = "alice",
            SourceAddress = "203.0.113.9:40000",
            Data = new Dictionary<string, string> { ["client_version"] = "SSH-2.0-evil\u001b[31m\u0007", ["target"] = Hostile, ["note"] = "\u202eevil" },
        });

        await using var browser = await BrowserSession.StartAsync();
        var page = browser.Page;
        var alerts = new List<string>();
        page.Dialog += (_, dialog) => alerts.Add(dialog.Message);
        await browser.RedeemInviteAsync(invite, host.BaseUrl);

        foreach (var (path, shot) in new[]
                 {
                     ("/audit/events?type=connection.", "hostile-audit-events"),
                     ("/admin/inventory", "hostile-inventory"),
                     ("/admin/rules?check_target=web-evil", "hostile-rules"),
                     ("/audit/events?target=" + Uri.EscapeDataString(Hostile), "hostile-audit-target-filter"),
                 })
        {
            await page.GotoAsync(host.BaseUrl + path);
            var text = await page.InnerTextAsync("main");
            Assert.Contains(Hostile, text);
            Assert.Equal(0, await page.Locator("img[src='x']").CountAsync());
            Assert.Equal(0, await page.Locator("main img").CountAsync());
            await browser.ScreenshotAsync(shot);
        }
        await page.GotoAsync($"{host.BaseUrl}/audit/events?type=connection.");
        var row = await page.InnerTextAsync("#events tbody tr");
        Assert.Contains("SSH-2.0-evil\\x1b[31m\\x07", row);
        Assert.Contains("\\u202eevil", row);
        Assert.DoesNotContain("\u001b", await page.ContentAsync());
        await page.GotoAsync($"{host.BaseUrl}/admin/rules?check_target=web-evil");
        Assert.Contains("allowed by rule #1", await page.InnerTextAsync("#target-reach tr[data-user='root']"));

        await page.WaitForTimeoutAsync(300); // an onerror handler would have fired by now
        Assert.Empty(alerts);
        Assert.Empty(browser.Dialogs);
    }

    /// <summary>The two cloud accounts the saved inventory belongs to, with their address ranges, as the gateway is configured.</summary>
    private static readonly string[] CloudAccounts =
    [
        "--Bastion:Inventory:Ec2:Enabled=true",
        .. Account(0, "111111111111", "dev-a", "10.9.0.0/16"),
        .. Account(1, "222222222222", "dev-b", "10.10.0.0/16"),
    ];

    private static string[] Account(int index, string id, string alias, string cidr) =>
    [
        $"--Bastion:Inventory:Ec2:Accounts:{index}:Id={id}",
        $"--Bastion:Inventory:Ec2:Accounts:{index}:Alias={alias}",
        $"--Bastion:Inventory:Ec2:Accounts:{index}:RoleArn=arn:aws:iam::{id}:role/bastion-inventory",
        $"--Bastion:Inventory:Ec2:Accounts:{index}:Regions:0=eu-west-1",
        $"--Bastion:Inventory:Ec2:Accounts:{index}:Cidrs:0={cidr}",
    ];

    private static Ec2Instance Instance(string id, string name, string ip, string accountId, string alias, Dictionary<string, string> tags) =>
        new(id, name, "running", [ip], $"ip-{ip.Replace('.', '-')}.eu-west-1.compute.internal", "vpc-0123", accountId, alias, "eu-west-1",
            new Dictionary<string, string>(tags) { ["Name"] = name }, DateTimeOffset.UtcNow.AddDays(-3));

    /// <summary>What the gateway saves after refreshing one cloud account (a failing one keeps its last error).</summary>
    private static Task SaveCloudAccountAsync(AdminAppHost host, string alias, string accountId, string? error, params Ec2Instance[] instances)
    {
        var now = DateTimeOffset.UtcNow;
        var json = JsonSerializer.Serialize(instances.ToList(), new JsonSerializerOptions(JsonSerializerDefaults.Web));
        return host.Store.SaveInventoryAccountAsync(new InventoryAccountRecord(accountId, alias,
            error is null ? now.AddMinutes(-2) : now.AddHours(-3), now, error, error is null ? 0 : 4, instances.Length, json));
    }
}
