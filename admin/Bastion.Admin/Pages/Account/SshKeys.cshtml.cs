using Bastion.Admin.Security;
using Bastion.Admin.Security.StepUp;
using Bastion.Core.Audit;
using Bastion.Core.Keys;
using Bastion.Core.Store;
using Microsoft.AspNetCore.Authorization;
using Microsoft.AspNetCore.Mvc;

namespace Bastion.Admin.Pages.Account;

/// <summary>A user's own SSH public keys: the same parsing and store as <c>bastion key add</c>.</summary>
[Authorize(Policy = Policies.User)]
public sealed class SshKeysModel : BastionPageModel
{
    public IReadOnlyList<SshKey> Keys { get; private set; } = [];

    public async Task OnGetAsync()
    {
        var user = await CurrentUserAsync();
        Keys = await Store.ListSshKeysAsync(user.Name, HttpContext.RequestAborted);
    }

    [RequiresStepUp("add an SSH key")]
    public async Task<IActionResult> OnPostAddAsync(string? line)
    {
        var user = await CurrentUserAsync();
        if (!AuthorizedKeyLine.TryParse((line ?? "").Trim(), out var parsed, out var problem))
        {
            return RedirectWithError($"That is not a public key line: {problem}");
        }
        try
        {
            var key = await Store.AddSshKeyAsync(user.Name, parsed!, HttpContext.RequestAborted);
            await Audit.WriteAsync(AuditEventTypes.AdminKeyAdded, user.Name, new() { ["fingerprint"] = key.Fingerprint, ["type"] = key.KeyType });
            return RedirectWithMessage($"Added {key.KeyType} key {key.Fingerprint}.");
        }
        catch (StoreConflictException ex)
        {
            return RedirectWithError(ex.Message);
        }
    }

    [RequiresStepUp("remove an SSH key")]
    public async Task<IActionResult> OnPostRemoveAsync(string? fingerprint)
    {
        var user = await CurrentUserAsync();
        if (fingerprint is null || !await Store.RemoveSshKeyAsync(user.Name, fingerprint, HttpContext.RequestAborted))
        {
            return RedirectWithError("You have no key with that fingerprint.");
        }
        await Audit.WriteAsync(AuditEventTypes.AdminKeyRemoved, user.Name, new() { ["fingerprint"] = fingerprint });
        return RedirectWithMessage($"Removed key {fingerprint}.");
    }
}
