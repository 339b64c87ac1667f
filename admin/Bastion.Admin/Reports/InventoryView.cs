using Bastion.Core.Inventory;
using Bastion.Hosting;

namespace Bastion.Admin.Reports;

/// <summary>
/// The targets the gateway resolves against, as the admin pages show them. The gateway saves each cloud refresh in
/// the store; this process reloads that snapshot before listing, so the pages never show an older inventory than
/// the gateway uses.
/// </summary>
public static class InventoryView
{
    public static async Task<IReadOnlyList<ResolvedTarget>> ListAsync(BastionContext context, CancellationToken ct)
    {
        context.InventoryState.LoadFrom(await context.Store.ListInventoryAccountsAsync(ct));
        return (await context.Inventory.ListAsync(ct))
            .OrderBy(t => t.Name, StringComparer.OrdinalIgnoreCase)
            .ThenBy(t => t.Instance?.AccountAlias ?? t.Account, StringComparer.OrdinalIgnoreCase)
            .ToList();
    }

    /// <summary>A key that tells targets apart even when two accounts have an instance with the same Name tag.</summary>
    public static string Key(ResolvedTarget target) => target.Instance?.InstanceId ?? target.Name;

    /// <summary>"web-1 (dev-a, i-0123…)" for pick lists.</summary>
    public static string Label(ResolvedTarget target)
    {
        var account = target.Instance?.AccountAlias ?? target.Account;
        var details = new[] { account, target.Instance?.InstanceId }.Where(v => v is not null).ToList();
        return details.Count == 0 ? target.Name : $"{target.Name} ({string.Join(", ", details)})";
    }

    public static string? AccountOf(ResolvedTarget target) => target.Instance?.AccountAlias ?? target.Account;
}
