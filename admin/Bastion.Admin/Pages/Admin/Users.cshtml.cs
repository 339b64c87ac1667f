using Bastion.Admin.Hosting;
using Bastion.Admin.Reports;
using Bastion.Admin.Security;
using Bastion.Admin.Security.StepUp;
using Bastion.Core.Audit;
using Bastion.Core.Mfa;
using Bastion.Core.Store;
using Microsoft.AspNetCore.Authorization;
using Microsoft.AspNetCore.Mvc;

namespace Bastion.Admin.Pages.Admin;

/// <param name="MfaPolicy">The policy in force, as <see cref="MfaPolicyText.Effective"/> shows it.</param>
/// <param name="Login">Whether they can log in through the gateway, as <see cref="SshLoginState.Text"/> says it.</param>
public sealed record UserRow(User User, IReadOnlyList<string> Roles, int WebKeys, string MfaPolicy, string Login);

/// <summary>Admins list users and invite new people (the same as <c>bastion user add NAME --role …</c>).</summary>
[Authorize(Policy = Policies.Admin)]
public sealed class UsersModel(AdminSettings settings) : BastionPageModel
{
    public IReadOnlyList<UserRow> Rows { get; private set; } = [];

    /// <summary>What was typed into the invite form, shown again with <see cref="InviteError"/> when it was refused.</summary>
    [BindProperty]
    public InviteForm Invite { get; set; } = new();

    public string? InviteError { get; private set; }

    public int InviteHours => (int)settings.InviteLifetime.TotalHours;

    public async Task OnGetAsync() => await LoadAsync();

    [RequiresStepUp("invite a person")]
    public async Task<IActionResult> OnPostInviteAsync()
    {
        Invite.Roles ??= [];
        var groupList = SplitList(Invite.Groups);
        var roleList = Invite.Roles.Distinct(StringComparer.Ordinal).ToArray();
        try
        {
            foreach (var role in roleList)
            {
                AdminRoles.EnsureValid(role);
            }
            if (roleList.Length == 0)
            {
                throw new InvalidEntityException("choose at least one role");
            }
            var user = await Store.AddUserAsync(new NewUser((Invite.Name ?? "").Trim()) { Groups = groupList }, HttpContext.RequestAborted);
            await Store.SetRolesAsync(user.Id, roleList, HttpContext.RequestAborted);
            await Audit.WriteAsync(AuditEventTypes.AdminUserAdded, user.Name, new() { ["roles"] = string.Join(",", roleList), ["groups"] = string.Join(",", user.Groups), ["mfa_policy"] = user.MfaPolicy });
            return await InviteAndRedirectAsync(user);
        }
        catch (Exception ex) when (ex is InvalidEntityException or StoreConflictException)
        {
            // Shown again with what was typed, rather than redirected to an empty form.
            InviteError = ex.Message;
            await LoadAsync();
            Response.StatusCode = StatusCodes.Status400BadRequest;
            return Page();
        }
    }

    /// <summary>Lifts a lockout in force, as <c>bastion lockout clear</c> does (the Home dashboard lists them); audited the same.</summary>
    [RequiresStepUp("let a locked-out person or address in again")]
    public async Task<IActionResult> OnPostClearLockoutAsync(string? subject)
    {
        var ct = HttpContext.RequestAborted;
        var lockouts = await Store.ListAuthLockoutsAsync(Bastion.Time.GetUtcNow(), ct);
        if (subject is null || !lockouts.Any(l => l.Subject == subject) || !await Store.ClearAuthFailuresAsync(subject, ct))
        {
            return RedirectWithError($"{DisplayText.Visible(LockoutText.Display(subject ?? ""))} is not locked out (any more).", "/Index");
        }
        await Audit.WriteAsync("admin.lockout.cleared", subject, []);
        return RedirectWithMessage($"{DisplayText.Visible(LockoutText.Display(subject))} can log in again (every gateway node within a minute).", "/Index");
    }

    public sealed class InviteForm
    {
        public string? Name { get; set; }

        /// <summary>Null before the form was posted: the form then offers the user role.</summary>
        public string[]? Roles { get; set; }

        /// <summary>Comma- or space-separated.</summary>
        public string? Groups { get; set; }
    }

    internal static string[] SplitList(string? text) =>
        (text ?? "").Split([',', ' '], StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries).Distinct(StringComparer.Ordinal).ToArray();

    private async Task LoadAsync()
    {
        var users = await Store.ListUsersAsync(HttpContext.RequestAborted);
        var groupPolicies = await Store.ListGroupMfaPoliciesAsync(HttpContext.RequestAborted);
        // Enrolments and readiness for everybody in a few set queries, not several per user.
        var enrolments = await Store.ListEnrolmentsAsync(HttpContext.RequestAborted);
        var readiness = LoginReadiness.MissingFor(users, groupPolicies, enrolments);
        var rows = new List<UserRow>(users.Count);
        foreach (var user in users)
        {
            var roles = await Store.GetRolesAsync(user.Id, HttpContext.RequestAborted);
            var enrolment = enrolments.GetValueOrDefault(user.Id, Enrolment.None);
            rows.Add(new UserRow(user, roles, enrolment.WebAuthnCredentials, MfaPolicyText.Effective(user, groupPolicies),
                SshLoginState.Text(user, roles, enrolment, readiness[user.Id])));
        }
        Rows = rows;
    }
}
