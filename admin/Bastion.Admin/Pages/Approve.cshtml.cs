using System.Text.Json;
using Bastion.Admin.Security;
using Bastion.Admin.WebAuthn;
using Bastion.Core.Audit;
using Bastion.Core.Store;
using Microsoft.AspNetCore.Authorization;
using Microsoft.AspNetCore.Mvc;

namespace Bastion.Admin.Pages;

/// <summary>
/// Browser approval of an SSH login (policy key+webauthn): the owner signs in, sees who is logging in from where,
/// and approves with a fresh security-key assertion (that touch is the login's second factor) or denies. The
/// gateway polls the store and continues the SSH login within a fraction of a second.
/// </summary>
[Authorize]
public sealed class ApproveModel(WebAuthnCeremonies ceremonies) : BastionPageModel
{
    public const string Approved = "webauthn-approval";

    public LoginApproval? Approval { get; private set; }

    public bool Expired { get; private set; }

    public string UserName { get; private set; } = "";

    public async Task<IActionResult> OnGetAsync(string code)
    {
        var (approval, forbidden) = await LoadAsync(code);
        return forbidden ?? Page();
    }

    /// <summary>Assertion options for the signed-in owner (a fresh touch, not the session cookie, approves).</summary>
    public async Task<IActionResult> OnPostOptionsAsync(string code)
    {
        var (_, forbidden) = await LoadAsync(code);
        if (forbidden is not null)
        {
            return forbidden;
        }
        if (!CanDecide)
        {
            return JsonError("This request is no longer waiting for a decision.");
        }
        return Content(await ceremonies.StartLoginAsync(HttpContext, UserName, HttpContext.RequestAborted), "application/json");
    }

    public async Task<IActionResult> OnPostVerifyAsync(string code, [FromBody] JsonElement body)
    {
        var (approval, forbidden) = await LoadAsync(code);
        if (forbidden is not null || approval is null)
        {
            return forbidden ?? NotFound();
        }
        try
        {
            var (user, credential) = await ceremonies.FinishLoginAsync(HttpContext, body, HttpContext.RequestAborted);
            if (user.Name != approval.UserName)
            {
                return JsonError("That security key belongs to someone else.", StatusCodes.Status403Forbidden);
            }
            if (!await Store.DecideLoginApprovalAsync(approval.Code, approve: true, user.Name, HttpContext.RequestAborted))
            {
                return JsonError("This request expired or was already decided; connect again with ssh for a new one.", StatusCodes.Status409Conflict);
            }
            await Audit.WriteAsync(Approved, user.Name, Details(approval, "approved", credential.Nickname), AuditSeverity.Info, actor: user.Name);
            return new JsonResult(new { redirect = $"/approve/{approval.Code}" });
        }
        catch (CounterRegressionException ex)
        {
            await Audit.WriteAsync(AdminAudit.WebAuthnCounterRegression, ex.User.Name, new() { ["key"] = ex.Credential.Nickname, ["reason"] = ex.Message },
                AuditSeverity.Critical, actor: ex.User.Name);
            return JsonError("Refused: this security key's counter went backwards (a copied key?). Tell an admin.", StatusCodes.Status401Unauthorized);
        }
        catch (CeremonyException)
        {
            return JsonError("The security key check failed; try again.", StatusCodes.Status401Unauthorized);
        }
    }

    public async Task<IActionResult> OnPostDenyAsync(string code)
    {
        var (approval, forbidden) = await LoadAsync(code);
        if (forbidden is not null || approval is null)
        {
            return forbidden ?? NotFound();
        }
        if (await Store.DecideLoginApprovalAsync(approval.Code, approve: false, UserName, HttpContext.RequestAborted))
        {
            await Audit.WriteAsync(Approved, UserName, Details(approval, "denied", null), AuditSeverity.Warning);
            return RedirectWithMessage("Denied: that SSH login will be refused.", null, new { code });
        }
        return RedirectWithError("This request expired or was already decided.", null, new { code });
    }

    public bool CanDecide => Approval is { State: LoginApprovalState.Pending } && !Expired;

    /// <summary>Loads the request; only its owner may see or decide it.</summary>
    private async Task<(LoginApproval? Approval, IActionResult? Forbidden)> LoadAsync(string code)
    {
        var user = await CurrentUserAsync();
        UserName = user.Name;
        // Codes are upper case; the app generates lower-case URLs, and people may type either.
        var approval = await Store.GetLoginApprovalAsync((code ?? "").ToUpperInvariant(), HttpContext.RequestAborted);
        if (approval is null)
        {
            return (null, NotFound());
        }
        if (approval.UserName != user.Name)
        {
            return (null, Forbid());
        }
        Approval = approval;
        Expired = approval.IsExpired(Bastion.Time.GetUtcNow());
        return (approval, null);
    }

    private static Dictionary<string, string> Details(LoginApproval approval, string decision, string? key)
    {
        var data = new Dictionary<string, string>
        {
            ["decision"] = decision,
            ["approval"] = approval.Code,
            ["ssh_source"] = approval.SourceAddress,
            ["client_version"] = approval.ClientVersion,
        };
        if (key is not null)
        {
            data["key"] = key;
        }
        return data;
    }
}
