using Bastion.Admin.Hosting;
using Bastion.Admin.Reports;
using Bastion.Admin.Security;
using Bastion.Admin.Security.StepUp;
using Bastion.Core.Audit;
using Bastion.Core.Store;
using Microsoft.AspNetCore.Authorization;
using Microsoft.AspNetCore.Mvc;

namespace Bastion.Admin.Pages.Admin;

/// <summary>
/// Roles, MFA policy, groups, disabling and new invite links for one user: what <c>bastion user set|disable|enable</c>
/// changes, with the same validation (the store's) and the same admin.user.changed event.
/// </summary>
[Authorize(Policy = Policies.Admin)]
public sealed class UserEditModel : BastionPageModel
{
    [BindProperty(SupportsGet = true)]
    public string Name { get; set; } = "";

    public User? Target { get; private set; }

    public IReadOnlyList<string> Roles { get; private set; } = [];

    public IReadOnlyList<SshKey> SshKeys { get; private set; } = [];

    public bool HasTotp { get; private set; }

    /// <summary>The policy the gateway applies, with the group that raised it (see <see cref="MfaPolicyText.Effective"/>).</summary>
    public string MfaPolicy { get; private set; } = "";

    public async Task<IActionResult> OnGetAsync()
    {
        await LoadAsync();
        return Target is null ? NotFound() : Page();
    }

    [RequiresStepUp("change a person's roles, groups or access")]
    public async Task<IActionResult> OnPostSaveAsync(string[]? roles, string? groups, bool disabled, string? mfaPolicy)
    {
        await LoadAsync();
        if (Target is null)
        {
            return NotFound();
        }
        var roleList = (roles ?? []).Distinct(StringComparer.Ordinal).Order(StringComparer.Ordinal).ToArray();
        var me = await CurrentUserAsync();
        if (me.Id == Target.Id && (disabled || !roleList.Contains(AdminRoles.Admin)))
        {
            return RedirectWithError("You cannot disable yourself or drop your own admin role; ask another admin.", null, new { name = Name });
        }
        try
        {
            foreach (var role in roleList)
            {
                AdminRoles.EnsureValid(role);
            }
            var updated = await Store.UpdateUserAsync(Target.Name, new UserChanges
            {
                Groups = UsersModel.SplitList(groups),
                Disabled = disabled,
                MfaPolicy = string.IsNullOrEmpty(mfaPolicy) ? null : mfaPolicy,
            }, HttpContext.RequestAborted);
            await Store.SetRolesAsync(Target.Id, roleList, HttpContext.RequestAborted);
            await Audit.WriteAsync(AuditEventTypes.AdminUserChanged, Target.Name, new()
            {
                ["roles"] = string.Join(",", roleList),
                ["groups"] = string.Join(",", updated.Groups),
                ["disabled"] = updated.Disabled ? "true" : "false",
                ["mfa_policy"] = updated.MfaPolicy,
            });
        }
        catch (InvalidEntityException ex)
        {
            return RedirectWithError(ex.Message, null, new { name = Name });
        }
        return RedirectWithMessage($"Saved {Target.Name}.", null, new { name = Name });
    }

    [RequiresStepUp("create an invite link (it registers a security key for that person)")]
    public async Task<IActionResult> OnPostInviteAsync()
    {
        await LoadAsync();
        if (Target is null)
        {
            return NotFound();
        }
        try
        {
            return await InviteAndRedirectAsync(Target, new { name = Name });
        }
        catch (InvalidEntityException ex)
        {
            return RedirectWithError(ex.Message, null, new { name = Name });
        }
    }

    private async Task LoadAsync()
    {
        Target = await Store.GetUserAsync(Name, HttpContext.RequestAborted);
        if (Target is null)
        {
            return;
        }
        Roles = await Store.GetRolesAsync(Target.Id, HttpContext.RequestAborted);
        SshKeys = await Store.ListSshKeysAsync(Target.Name, HttpContext.RequestAborted);
        HasTotp = await Store.GetTotpCredentialAsync(Target.Id, HttpContext.RequestAborted) is not null;
        MfaPolicy = MfaPolicyText.Effective(Target, await Store.ListGroupMfaPoliciesAsync(HttpContext.RequestAborted));
    }
}
