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

    /// <summary>The static target whose row's Edit was pressed: the form above the list then edits it (GET ?edit=NAME).</summary>
    [BindProperty(SupportsGet = true, Name = "edit")]
    public string? Edit { get; set; }

    [RequiresStepUp("change the static targets")]
    public async Task<IActionResult> OnPostAddTargetAsync()
    {
        Target target;
        try
        {
            target = await Store.AddTargetAsync(NewTarget.Definition(), HttpContext.RequestAborted);
        }
        catch (Exception ex) when (ex is InvalidEntityException or StoreConflictException)
        {
            return await RefusedAsync(ex.Message);
        }
        await Audit.WriteAsync(AuditEventTypes.AdminTargetChanged, target.Name, new() { ["change"] = "added", ["address"] = $"{target.Host}:{target.Port}" });
        return RedirectWithMessage($"added target {target.Name} → {target.Host}:{target.Port}");
    }

    /// <summary>Replaces a static target's name, address, account and tags (<see cref="StaticTargetForm.Original"/> names it).</summary>
    [RequiresStepUp("change the static targets")]
    public async Task<IActionResult> OnPostSaveTargetAsync()
    {
        Target target;
        try
        {
            target = await Store.UpdateTargetAsync(NewTarget.Original ?? "", NewTarget.Definition(), HttpContext.RequestAborted);
        }
        catch (Exception ex) when (ex is InvalidEntityException or StoreConflictException or EntityNotFoundException)
        {
            Edit = NewTarget.Original;
            return await RefusedAsync(ex is EntityNotFoundException ? $"there is no static target {Names.Shown(NewTarget.Original)} (removed meanwhile?)" : ex.Message);
        }
        await Audit.WriteAsync(AuditEventTypes.AdminTargetChanged, target.Name, new()
        {
            ["change"] = "updated", ["was"] = NewTarget.Original ?? "", ["address"] = $"{target.Host}:{target.Port}", ["account"] = target.Account ?? "", ["tags"] = TagsText(target.Tags),
        });
        return RedirectWithMessage($"saved target {target.Name} → {target.Host}:{target.Port}");
    }

    /// <summary>The form shown again with what was typed and why it was refused, rather than redirected to an empty one.</summary>
    private async Task<IActionResult> RefusedAsync(string message)
    {
        TargetError = message;
        await LoadAsync();
        Response.StatusCode = StatusCodes.Status400BadRequest;
        return Page();
    }

    private static string TagsText(IReadOnlyDictionary<string, string> tags) =>
        string.Join(", ", tags.OrderBy(kv => kv.Key, StringComparer.Ordinal).Select(kv => $"{kv.Key}={kv.Value}"));

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
        /// <summary>The name of the target being edited; null when adding.</summary>
        public string? Original { get; set; }

        public string? Name { get; set; }

        public string? Address { get; set; }

        public string? Account { get; set; }

        /// <summary>key=value pairs, comma-separated.</summary>
        public string? Tags { get; set; }

        /// <summary>Parsed as <c>bastion target add</c> parses its arguments; throws <see cref="InvalidEntityException"/>.</summary>
        public TargetDefinition Definition()
        {
            var (host, port) = TargetInput.ParseAddress(Address ?? "");
            return new TargetDefinition((Name ?? "").Trim(), host)
            {
                Port = port,
                Account = string.IsNullOrWhiteSpace(Account) ? null : Account.Trim(),
                Tags = TargetInput.ParseTags((Tags ?? "").Split(',', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries)),
            };
        }

        public static StaticTargetForm Of(Target target) => new()
        {
            Original = target.Name,
            Name = target.Name,
            Address = target.Host.Contains(':', StringComparison.Ordinal) ? $"[{target.Host}]:{target.Port}" : $"{target.Host}:{target.Port}",
            Account = target.Account,
            Tags = TagsText(target.Tags),
        };
    }

    public async Task OnGetAsync()
    {
        if (!string.IsNullOrEmpty(Edit))
        {
            if (await Store.GetTargetAsync(Edit, HttpContext.RequestAborted) is { } editing)
            {
                NewTarget = StaticTargetForm.Of(editing);
            }
            else
            {
                TargetError = $"there is no static target {Names.Shown(Edit)} to edit";
                Edit = null;
            }
        }
        await LoadAsync();
    }

    private async Task LoadAsync()
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
