using Bastion.Admin.Reports;
using Bastion.Admin.Security;
using Bastion.Core.Inventory;
using Bastion.Hosting.Inventory;
using Microsoft.AspNetCore.Authorization;
using Microsoft.AspNetCore.Mvc;

namespace Bastion.Admin.Pages.Admin;

/// <summary>
/// Admins search the targets connections resolve against (static inventory and cloud instances) by name, account,
/// address or instance id, and see each cloud account's refresh status: last success, instance count, age, stale,
/// last error, and what the inventory refused or alerted on (instances outside their account's ranges, Name tags that
/// are not names, addresses claimed twice, instances reachable without the bastion). The same data as
/// <c>bastion inventory list|status</c>.
/// </summary>
[Authorize(Policy = Policies.Admin)]
public sealed class InventoryModel : BastionPageModel
{
    public const int MaxRows = 500;

    [BindProperty(SupportsGet = true, Name = "q")]
    public string? Query { get; set; }

    [BindProperty(SupportsGet = true, Name = "account")]
    public string? Account { get; set; }

    public IReadOnlyList<ResolvedTarget> Targets { get; private set; } = [];

    public int TotalTargets { get; private set; }

    public int Matching { get; private set; }

    public IReadOnlyList<string> AccountNames { get; private set; } = [];

    public IReadOnlyList<InventoryAccountView> Accounts { get; private set; } = [];

    public DateTimeOffset Now { get; private set; }

    /// <summary>Refused instances, address conflicts and SSH bypasses that hold now (the store's findings, as in <c>bastion inventory status</c>).</summary>
    public IReadOnlyList<InventoryFinding> Findings { get; private set; } = [];

    public async Task OnGetAsync()
    {
        var all = await InventoryView.ListAsync(Bastion, HttpContext.RequestAborted);
        Accounts = Bastion.InventoryState.Accounts;
        Now = Bastion.Time.GetUtcNow();
        Findings = await Bastion.Store.ListInventoryFindingsAsync(HttpContext.RequestAborted);
        TotalTargets = all.Count;
        AccountNames = all.Select(InventoryView.AccountOf).OfType<string>().Distinct(StringComparer.OrdinalIgnoreCase)
            .Order(StringComparer.OrdinalIgnoreCase).ToList();
        var text = string.IsNullOrWhiteSpace(Query) ? null : Query.Trim();
        var account = string.IsNullOrWhiteSpace(Account) ? null : Account.Trim();
        var matching = all.Where(t => (account is null || MatchesAccount(t, account)) && (text is null || Matches(t, text))).ToList();
        Matching = matching.Count;
        Targets = matching.Take(MaxRows).ToList();
    }

    public static string Age(DateTimeOffset? since, DateTimeOffset now)
    {
        if (since is null)
        {
            return "never";
        }
        var age = now - since.Value;
        return age.TotalSeconds < 0 ? "0s"
            : age.TotalMinutes < 2 ? $"{(long)age.TotalSeconds}s"
            : age.TotalHours < 2 ? $"{(long)age.TotalMinutes}m"
            : age.TotalDays < 2 ? $"{(long)age.TotalHours}h"
            : $"{(long)age.TotalDays}d";
    }

    private static bool MatchesAccount(ResolvedTarget target, string account) =>
        string.Equals(InventoryView.AccountOf(target), account, StringComparison.OrdinalIgnoreCase)
        || string.Equals(target.Account, account, StringComparison.OrdinalIgnoreCase)
        || string.Equals(target.Instance?.AccountId, account, StringComparison.Ordinal);

    /// <summary>Name, account (alias or id), address (host or any private IP), instance id or private DNS name contains the text.</summary>
    private static bool Matches(ResolvedTarget target, string text)
    {
        bool Has(string? value) => value is not null && value.Contains(text, StringComparison.OrdinalIgnoreCase);
        var instance = target.Instance;
        return Has(target.Name) || Has(target.Host) || Has(target.Account)
               || (instance is not null && (Has(instance.InstanceId) || Has(instance.AccountAlias) || Has(instance.AccountId)
                                            || Has(instance.PrivateDnsName) || instance.PrivateIps.Any(Has)));
    }
}
