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

    /// <summary>The line as typed, shown again with <see cref="Error"/> when it is refused, so it can be corrected.</summary>
    public string? Line { get; private set; }

    /// <summary>Why the line just submitted was not added.</summary>
    public string? Error { get; private set; }

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
            return await RefuseAsync(user, line, $"That is not a public key line: {problem}");
        }
        // The same rules as bastion key add; an admin signed in here counts as an administrator (no-touch-required).
        var isAdmin = User.IsInRole(Policies.Admin);
        if (KeyOptionRules.EnrolmentProblem(parsed!, isAdmin, Bastion.Time.GetUtcNow()) is { } refused)
        {
            return await RefuseAsync(user, line, $"This key was not added: {refused}.");
        }
        try
        {
            var key = await Store.AddSshKeyAsync(user.Name, parsed!, new KeyEnroller($"web:{user.Name}", isAdmin), HttpContext.RequestAborted);
            var fields = new Dictionary<string, string> { ["fingerprint"] = key.Fingerprint, ["type"] = key.KeyType };
            if (key.Options.Length > 0)
            {
                fields["options"] = key.Options;
            }
            await Audit.WriteAsync(AuditEventTypes.AdminKeyAdded, user.Name, fields);
            return RedirectWithMessage($"Added {key.KeyType} key {key.Fingerprint}.");
        }
        catch (StoreConflictException ex)
        {
            return await RefuseAsync(user, line, ex.Message);
        }
    }

    /// <summary>The page again with the error and the line as typed (a redirect would lose what was typed).</summary>
    private async Task<IActionResult> RefuseAsync(User user, string? line, string error)
    {
        Line = line;
        Error = error;
        Keys = await Store.ListSshKeysAsync(user.Name, HttpContext.RequestAborted);
        return Page();
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
