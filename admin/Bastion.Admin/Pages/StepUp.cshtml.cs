using System.Globalization;
using System.Text.Json;
using Bastion.Admin.Hosting;
using Bastion.Admin.Security;
using Bastion.Admin.WebAuthn;
using Bastion.Core.Audit;
using Microsoft.AspNetCore.Authorization;
using Microsoft.AspNetCore.Mvc;
using Microsoft.AspNetCore.RateLimiting;

namespace Bastion.Admin.Pages;

/// <summary>
/// The step-up ceremony: a fresh assertion by one of the signed-in person's keys, with a challenge bound to this
/// session's step-up, stamps the session as verified now (see <see cref="WebSessions.RecordStepUpAsync"/>). The
/// prompt that starts it is rendered by <see cref="Security.StepUp.StepUpFilter"/> in place of the refused change.
/// </summary>
[Authorize]
[EnableRateLimiting(AdminApp.LoginRateLimit)]
public sealed class StepUpModel(WebAuthnCeremonies ceremonies, WebSessions sessions, AdminSettings settings) : BastionPageModel
{
    public string WindowText => $"{settings.StepUpWindow.TotalMinutes.ToString(CultureInfo.InvariantCulture)} minutes";

    public void OnGet()
    {
    }

    public async Task<IActionResult> OnPostOptionsAsync()
    {
        if (WebSessions.CurrentTokenHash(HttpContext) is not { } session)
        {
            return JsonError("Your sign-in has ended; sign in again.", StatusCodes.Status401Unauthorized);
        }
        var user = await CurrentUserAsync();
        return Content(await ceremonies.StartStepUpAsync(HttpContext, user, session, HttpContext.RequestAborted), "application/json");
    }

    public async Task<IActionResult> OnPostVerifyAsync([FromBody] JsonElement body, [FromQuery] string? next)
    {
        if (WebSessions.CurrentTokenHash(HttpContext) is not { } session)
        {
            return JsonError("Your sign-in has ended; sign in again.", StatusCodes.Status401Unauthorized);
        }
        var user = await CurrentUserAsync();
        try
        {
            var key = await ceremonies.FinishStepUpAsync(HttpContext, user, session, body, HttpContext.RequestAborted);
            if (!await sessions.RecordStepUpAsync(HttpContext))
            {
                return JsonError("Your sign-in has ended; sign in again.", StatusCodes.Status401Unauthorized);
            }
            await Audit.WriteAsync(AdminAudit.StepUp, user.Name, new()
            {
                ["key"] = key.Nickname, ["session"] = WebSessions.Current(HttpContext)!.Id.ToString(CultureInfo.InvariantCulture),
            }, AuditSeverity.Info);
            return new JsonResult(new { redirect = next is not null && Url.IsLocalUrl(next) ? next : "/" });
        }
        catch (CounterRegressionException ex)
        {
            await Audit.WriteAsync(AdminAudit.WebAuthnCounterRegression, ex.User.Name, new() { ["key"] = ex.Credential.Nickname, ["reason"] = ex.Message },
                AuditSeverity.Critical);
            return JsonError("Refused: this security key's counter went backwards (a copied key?). Tell an admin.", StatusCodes.Status401Unauthorized);
        }
        catch (CeremonyException ex)
        {
            await Audit.WriteAsync(AdminAudit.StepUpFailure, user.Name, new() { ["reason"] = ex.Message }, AuditSeverity.Warning);
            return JsonError($"The security key did not confirm ({ex.Message}); try again with one of your registered keys.", StatusCodes.Status401Unauthorized);
        }
    }
}
