using Bastion.Admin.Security;
using Bastion.Admin.Security.StepUp;
using Bastion.Core.Audit;
using Bastion.Core.Store;
using Microsoft.AspNetCore.Authorization;
using Microsoft.AspNetCore.Mvc;
using Bastion.Core.Mfa;
using Bastion.Core.Policy;

namespace Bastion.Admin.Pages.Admin;

/// <summary>
/// Admins list groups and set or clear the MFA policy each requires of its members (the same as
/// <c>bastion group list|require-mfa|clear-mfa</c>, with the same audit event).
/// </summary>
[Authorize(Policy = Policies.Admin)]
public sealed class GroupsModel : BastionPageModel
{
    public static IReadOnlyList<string> RequirablePolicies => MfaPolicies.RequirableByGroup;

    /// <summary>Members named in a row before "and N more" (a group of hundreds would otherwise fill the page).</summary>
    public const int MembersShown = 20;

    public IReadOnlyList<GroupSummary> Rows { get; private set; } = [];

    public async Task OnGetAsync()
    {
        var ct = HttpContext.RequestAborted;
        var users = await Store.ListUsersAsync(ct);
        var policies = await Store.ListGroupMfaPoliciesAsync(ct);
        Rows = GroupSummary.Of(users, policies);
    }

    [RequiresStepUp("change the MFA policy a group requires")]
    public async Task<IActionResult> OnPostRequireAsync(string? group, string? policy)
    {
        var name = GroupName(group);
        var required = (policy ?? "").Trim();
        try
        {
            await Store.SetGroupMfaPolicyAsync(name, required, HttpContext.RequestAborted);
        }
        catch (InvalidEntityException ex)
        {
            return RedirectWithError(ex.Message);
        }
        await Audit.WriteAsync(AuditEventTypes.AdminGroupChanged, "@" + name, new() { ["mfa_policy"] = required });
        return RedirectWithMessage($"members of @{name} now need at least {required}");
    }

    [RequiresStepUp("change the MFA policy a group requires")]
    public async Task<IActionResult> OnPostClearAsync(string? group)
    {
        var name = GroupName(group);
        if (!await Store.RemoveGroupMfaPolicyAsync(name, HttpContext.RequestAborted))
        {
            return RedirectWithError($"@{name} requires no MFA policy (already cleared?)");
        }
        await Audit.WriteAsync(AuditEventTypes.AdminGroupChanged, "@" + name, new() { ["mfa_policy"] = "" });
        return RedirectWithMessage($"@{name} no longer requires an MFA policy; its members are back to their own");
    }

    /// <summary>People write groups as "@ops" (as in access rules); the store wants the bare name.</summary>
    private static string GroupName(string? group) => (group ?? "").Trim().TrimStart('@');
}
