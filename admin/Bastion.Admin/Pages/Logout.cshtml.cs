using System.Globalization;
using Bastion.Admin.Security;
using Bastion.Core.Audit;
using Microsoft.AspNetCore.Authentication;
using Microsoft.AspNetCore.Authentication.Cookies;
using Microsoft.AspNetCore.Authorization;
using Microsoft.AspNetCore.Mvc;

namespace Bastion.Admin.Pages;

/// <summary>
/// Sign-out revokes the session in the store (a copy of the cookie no longer works), not only the browser's cookie;
/// "sign out everywhere" revokes every session of the person, for a lost laptop or a cookie that may have leaked.
/// </summary>
[AllowAnonymous]
public sealed class LogoutModel(WebSessions sessions) : BastionPageModel
{
    public IActionResult OnGet() => Page();

    public async Task<IActionResult> OnPostAsync()
    {
        if (User.Identity?.IsAuthenticated == true && await sessions.RevokeCurrentAsync(HttpContext) is { } session)
        {
            await Audit.WriteAsync(AdminAudit.Logout, User.Identity.Name, new() { ["session"] = session.Id.ToString(CultureInfo.InvariantCulture) },
                severity: AuditSeverity.Info);
        }
        await HttpContext.SignOutAsync(CookieAuthenticationDefaults.AuthenticationScheme);
        TempData["Flash"] = "Signed out.";
        return Redirect("/login");
    }

    public async Task<IActionResult> OnPostEverywhereAsync()
    {
        if (User.Identity?.IsAuthenticated != true || PrincipalRefresher.UserId(User) is not { } userId)
        {
            return Redirect("/login");
        }
        var count = await sessions.RevokeAllAsync(HttpContext, userId);
        await Audit.WriteAsync(AdminAudit.LogoutEverywhere, User.Identity.Name, new() { ["sessions"] = count.ToString(CultureInfo.InvariantCulture) },
            severity: AuditSeverity.Notice);
        await HttpContext.SignOutAsync(CookieAuthenticationDefaults.AuthenticationScheme);
        TempData["Flash"] = count == 1 ? "Signed out (this was your only session)." : $"Signed out of all {count} sessions; sign in again here.";
        return Redirect("/login");
    }
}
