using Bastion.Admin.Reports;
using Bastion.Admin.Security;
using Bastion.Admin.Security.StepUp;
using Bastion.Core.Audit;
using Bastion.Core.Inventory;
using Bastion.Core.Store;
using Bastion.Hosting.Inventory;
using Microsoft.AspNetCore.Authorization;
using Microsoft.AspNetCore.Mvc;

namespace Bastion.Admin.Pages.Admin;

/// <summary>
/// Admins search the targets connections resolve against (static inventory and cloud instances) by name, account,
/// address or instance id, and see each cloud account's refresh status: last success, instance count, age, stale,
/// last error, and what the inventory refused or alerted on (instances outside their account's ranges, Name tags that
/// are not names, addresses claimed twice, instances reachable without the bastion). The same data as
/// <c>bastion inventory list|status</c>. Static targets are added and removed here as with <c>bastion target add|remove</c>:
/// the same parsing (<see cref="TargetInput"/>), validation and admin.target.changed events.
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

    /// <summary>What was typed into the add-a-target form, shown again with <see cref="TargetError"/> when it was refused.</summary>
    [BindProperty]
    public StaticTargetForm NewTarget { get; set; } = new();

    public string? TargetError { get; private set; }

    [RequiresStepUp("change the static targets")]
    public async Task<IActionResult> OnPostAddTargetAsync()
    {
        var ct = HttpContext.RequestAborted;
        Target target;
        try
        {
            var (host, port) = TargetInput.ParseAddress(NewTarget.Address ?? "");
            target = await Store.AddTargetAsync(new TargetDefinition((NewTarget.Name ?? "").Trim(), host)
            {
                Port = port,
                Account = string.IsNullOrWhiteSpace(NewTarget.Account) ? null : NewTarget.Account.Trim(),
                Tags = TargetInput.ParseTags((NewTarget.Tags ?? "").Split(',', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries)),
            }, ct);
        }
        catch (Exception ex) when (ex is InvalidEntityException or StoreConflictException)
        {
            // Shown again with what was typed, rather than redirected to an empty form.
            TargetError = ex.Message;
            await OnGetAsync();
            Response.StatusCode = StatusCodes.Status400BadRequest;
            return Page();
        }
        await Audit.WriteAsync(AuditEventTypes.AdminTargetChanged, target.Name, new() { ["change"] = "added", ["address"] = $"{target.Host}:{target.Port}" });
        return RedirectWithMessage($"added target {target.Name} → {target.Host}:{target.Port}");
    }

    [RequiresStepUp("change the static targets")]
    public async Task<IActionResult> OnPostRemoveTargetAsync(string? name)
    {
        if (string.IsNullOrEmpty(name) || !await Store.DeleteTargetAsync(name, HttpContext.RequestAborted))
        {
            return RedirectWithError($"there is no static target {Names.Shown(name)} (already removed?)");
        }
        await Audit.WriteAsync(AuditEventTypes.AdminTargetChanged, name, new() { ["change"] = "removed" });
        return RedirectWithMessage($"removed target {name}");
    }

    public sealed class StaticTargetForm
    {
        public string? Name { get; set; }

        public string? Address { get; set; }

        public string? Account { get; set; }

        /// <summary>key=value pairs, comma-separated.</summary>
        public string? Tags { get; set; }
    }

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
