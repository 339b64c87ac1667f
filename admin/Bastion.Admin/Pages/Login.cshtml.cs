using System.Globalization;
using System.Text.Json;
using Bastion.Admin.Hosting;
using Bastion.Admin.Security;
using Bastion.Admin.WebAuthn;
using Bastion.Core.Audit;
using Bastion.Core.Store;
using Microsoft.AspNetCore.Authorization;
using Microsoft.AspNetCore.Mvc;
using Microsoft.AspNetCore.RateLimiting;

namespace Bastion.Admin.Pages;

/// <summary>WebAuthn login: user name → assertion options → the key's signature → session cookie.</summary>
[AllowAnonymous]
[EnableRateLimiting(AdminApp.LoginRateLimit)]
public sealed class LoginModel(WebAuthnCeremonies ceremonies, WebSessions sessions) : BastionPageModel
{
    [BindProperty(SupportsGet = true)]
    public string? ReturnUrl { get; set; }

    public void OnGet()
    {
    }

    public async Task<IActionResult> OnPostOptionsAsync([FromForm] string? username)
    {
        var name = (username ?? "").Trim();
        if (!Names.IsValidUserName(name))
        {
            return JsonError("Enter your user name (lowercase letters, digits, - and _).");
        }
        var lockout = await Bastion.RateLimiter.CheckAsync(name, HttpContext.Connection.RemoteIpAddress, HttpContext.RequestAborted);
        if (lockout.IsLockedOut)
        {
            return JsonError($"Too many failed sign-ins; try again in {Math.Ceiling(lockout.RetryAfter.TotalMinutes)} minutes.", StatusCodes.Status429TooManyRequests);
        }
        return Content(await ceremonies.StartLoginAsync(HttpContext, name, HttpContext.RequestAborted), "application/json");
    }

    /// <remarks>The return URL travels as "next": a "ReturnUrl" query on the login path makes the cookie handler redirect.</remarks>
    public async Task<IActionResult> OnPostVerifyAsync([FromBody] JsonElement body, [FromQuery] string? next)
    {
        var address = HttpContext.Connection.RemoteIpAddress;
        try
        {
            var (user, credential) = await ceremonies.FinishLoginAsync(HttpContext, body, HttpContext.RequestAborted);
            var roles = await Store.GetRolesAsync(user.Id, HttpContext.RequestAborted);
            if (roles.Count == 0)
            {
                throw new CeremonyException("this account has no admin web roles");
            }
            var session = await sessions.SignInAsync(HttpContext, user, roles);
            await Audit.WriteAsync(AdminAudit.Login, user.Name, new()
            {
                ["method"] = "webauthn", ["key"] = credential.Nickname, ["roles"] = string.Join(",", roles), ["session"] = session.Id.ToString(CultureInfo.InvariantCulture),
            }, AuditSeverity.Info, actor: user.Name);
            var target = next is not null && Url.IsLocalUrl(next) ? next : "/";
            return new JsonResult(new { redirect = target });
        }
        catch (CounterRegressionException ex)
        {
            await Bastion.RateLimiter.RecordFailureAsync(ex.User.Name, address, ct: HttpContext.RequestAborted);
            await Audit.WriteAsync(AdminAudit.WebAuthnCounterRegression, ex.User.Name, new() { ["key"] = ex.Credential.Nickname, ["reason"] = ex.Message },
                AuditSeverity.Critical, actor: ex.User.Name);
            return JsonError("Sign-in refused: this security key's counter went backwards (a copied key?). Tell an admin.", StatusCodes.Status401Unauthorized);
        }
        catch (CeremonyException ex)
        {
            var who = ex.AttemptedUser;
            var lockout = (await Bastion.RateLimiter.RecordFailureAsync(who, address, ct: HttpContext.RequestAborted)).Status;
            await Audit.WriteAsync(AdminAudit.LoginFailure, who, new() { ["method"] = "webauthn", ["reason"] = ex.Message }, AuditSeverity.Warning, actor: who ?? "anonymous");
            return JsonError(lockout.IsLockedOut ? "Too many failed sign-ins; wait and try again." : "Sign-in failed: unknown user or security key.", StatusCodes.Status401Unauthorized);
        }
    }
}
