using System.Net;
using System.Security.Cryptography;
using System.Text;
using System.Text.Json;
using Bastion.Admin.Security;
using Bastion.Admin.WebAuthn;
using Bastion.Core.Audit;
using Bastion.Core.Store;
using Microsoft.AspNetCore.Authorization;
using Microsoft.AspNetCore.Mvc;

namespace Bastion.Admin.Pages;

/// <summary>
/// Browser approval of an SSH login (policy key+webauthn): the owner signs in, sees who is logging in from where with
/// which key, picks the number their terminal shows among three, and approves with a fresh security-key assertion
/// bound to this approval (that touch is the login's second factor) — or denies. A wrong number denies. The gateway
/// polls the store and continues the SSH login within a fraction of a second.
/// </summary>
[Authorize]
public sealed class ApproveModel(WebAuthnCeremonies ceremonies) : BastionPageModel
{
    public const string Approved = "webauthn-approval";

    public LoginApproval? Approval { get; private set; }

    public bool Expired { get; private set; }

    public string UserName { get; private set; } = "";

    /// <summary>The three numbers offered: the one the terminal shows and two others, in an order fixed per approval.</summary>
    public IReadOnlyList<int> Choices { get; private set; } = [];

    /// <summary>The browser's address, when it differs from the SSH login's source (then the page warns).</summary>
    public string? BrowserAddressDiffers { get; private set; }

    public async Task<IActionResult> OnGetAsync(string code)
    {
        var (_, forbidden) = await LoadAsync(code, "view");
        return forbidden ?? Page();
    }

    /// <summary>
    /// The approver picked a number. The right one gets assertion options for this approval (a fresh touch, not the
    /// session cookie, approves); a wrong one denies the login at once.
    /// </summary>
    public async Task<IActionResult> OnPostOptionsAsync(string code, int number)
    {
        var (approval, forbidden) = await LoadAsync(code, "approve");
        if (forbidden is not null || approval is null)
        {
            return forbidden ?? NotFound();
        }
        if (!CanDecide)
        {
            return JsonError(NotWaitingMessage(approval));
        }
        if (number != approval.MatchNumber)
        {
            if (await Store.DecideLoginApprovalAsync(approval.Code, approve: false, UserName, HttpContext.RequestAborted))
            {
                await Audit.WriteAsync(Approved, UserName, Details(approval, "denied", null, $"wrong number picked ({number})"), AuditSeverity.Warning);
            }
            return JsonError("That is not the number this login shows, so it has been denied. If you were logging in, connect again; " +
                "if the number came from someone else, tell security.", StatusCodes.Status409Conflict);
        }
        try
        {
            var owner = await CurrentUserAsync();
            return Content(await ceremonies.StartApprovalAsync(HttpContext, owner, approval, HttpContext.RequestAborted), "application/json");
        }
        catch (CeremonyException ex)
        {
            return JsonError(ex.Message);
        }
    }

    public async Task<IActionResult> OnPostVerifyAsync(string code, [FromBody] JsonElement body)
    {
        var (approval, forbidden) = await LoadAsync(code, "approve");
        if (forbidden is not null || approval is null)
        {
            return forbidden ?? NotFound();
        }
        try
        {
            var (user, credential) = await ceremonies.FinishApprovalAsync(HttpContext, approval, body, HttpContext.RequestAborted);
            if (user.Name != approval.UserName)
            {
                return JsonError("That security key belongs to someone else.", StatusCodes.Status403Forbidden);
            }
            if (!await Store.DecideLoginApprovalAsync(approval.Code, approve: true, user.Name, HttpContext.RequestAborted))
            {
                var now = await Store.GetLoginApprovalAsync(approval.Code, HttpContext.RequestAborted) ?? approval;
                return JsonError(NotWaitingMessage(now), StatusCodes.Status409Conflict);
            }
            await Audit.WriteAsync(Approved, user.Name, Details(approval, "approved", credential.Nickname, null), AuditSeverity.Info, actor: user.Name);
            return new JsonResult(new { redirect = $"/approve/{approval.Code}" });
        }
        catch (CounterRegressionException ex)
        {
            await Audit.WriteAsync(AdminAudit.WebAuthnCounterRegression, ex.User.Name, new() { ["key"] = ex.Credential.Nickname, ["reason"] = ex.Message },
                AuditSeverity.Critical, actor: ex.User.Name);
            return JsonError("Refused: this security key's counter went backwards (a copied key?). Tell an admin.", StatusCodes.Status401Unauthorized);
        }
        catch (CeremonyException ex)
        {
            await Audit.WriteAsync(AuditEventTypes.AuthApprovalRefused, approval.UserName, new()
            {
                ["approval"] = approval.Code,
                ["reason"] = $"security-key answer refused: {ex.Message}",
            }, AuditSeverity.Warning);
            return JsonError($"The security key check failed ({ex.Message}); pick the number again.", StatusCodes.Status401Unauthorized);
        }
    }

    public async Task<IActionResult> OnPostDenyAsync(string code)
    {
        var (approval, forbidden) = await LoadAsync(code, "deny");
        if (forbidden is not null || approval is null)
        {
            return forbidden ?? NotFound();
        }
        if (await Store.DecideLoginApprovalAsync(approval.Code, approve: false, UserName, HttpContext.RequestAborted))
        {
            await Audit.WriteAsync(Approved, UserName, Details(approval, "denied", null, "denied by its owner"), AuditSeverity.Warning);
            return RedirectWithMessage("Denied: that SSH login will be refused.", null, new { code });
        }
        return RedirectWithError(NotWaitingMessage(approval), null, new { code });
    }

    public bool CanDecide => Approval is { State: LoginApprovalState.Pending } && !Expired;

    private string NotWaitingMessage(LoginApproval approval) => approval.State switch
    {
        LoginApprovalState.Abandoned => "This request was cancelled: its ssh client went away before it was approved.",
        LoginApprovalState.Pending when approval.IsExpired(Bastion.Time.GetUtcNow()) => "This request expired; connect again with ssh for a new one.",
        _ => "This request was already decided; connect again with ssh for a new one.",
    };

    /// <summary>Loads the request; only its owner may see or decide it, and anyone else's attempt is audited.</summary>
    private async Task<(LoginApproval? Approval, IActionResult? Forbidden)> LoadAsync(string code, string action)
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
            await Audit.WriteAsync(AuditEventTypes.AuthApprovalRefused, approval.UserName, new()
            {
                ["approval"] = approval.Code,
                ["attempted"] = action,
                ["reason"] = $"signed in as {user.Name}, not the owner of this login",
            }, AuditSeverity.Warning, actor: user.Name);
            return (null, Forbid());
        }
        Approval = approval;
        Expired = approval.IsExpired(Bastion.Time.GetUtcNow());
        Choices = ChoicesFor(approval);
        BrowserAddressDiffers = DifferentBrowserAddress(approval);
        return (approval, null);
    }

    /// <summary>
    /// Two decoys beside the real number, derived from the code so that a reload shows the same three in the same
    /// order (new decoys at each reload would give the real number away as the one that stays).
    /// </summary>
    internal static IReadOnlyList<int> ChoicesFor(LoginApproval approval)
    {
        var seed = SHA256.HashData(Encoding.UTF8.GetBytes("bastion approval choices\0" + approval.Code));
        var choices = new List<int> { approval.MatchNumber };
        for (var i = 0; choices.Count < 3 && i < seed.Length; i++)
        {
            var candidate = 10 + seed[i] % 90;
            if (!choices.Contains(candidate))
            {
                choices.Add(candidate);
            }
        }
        for (var candidate = 10; choices.Count < 3; candidate++)
        {
            if (!choices.Contains(candidate))
            {
                choices.Add(candidate); // 32 hash bytes all colliding: unreachable in practice, but bounded
            }
        }
        var at = seed[^1] % 3;
        (choices[0], choices[at]) = (choices[at], choices[0]);
        return choices;
    }

    private string? DifferentBrowserAddress(LoginApproval approval)
    {
        var browser = HttpContext.Connection.RemoteIpAddress;
        if (browser is null)
        {
            return null;
        }
        if (browser.IsIPv4MappedToIPv6)
        {
            browser = browser.MapToIPv4();
        }
        var colon = approval.SourceAddress.LastIndexOf(':');
        var sshText = colon > 0 ? approval.SourceAddress[..colon] : approval.SourceAddress;
        return IPAddress.TryParse(sshText.Trim('[', ']'), out var ssh) && ssh.Equals(browser) ? null : browser.ToString();
    }

    private static Dictionary<string, string> Details(LoginApproval approval, string decision, string? key, string? reason)
    {
        var data = new Dictionary<string, string>
        {
            ["decision"] = decision,
            ["approval"] = approval.Code,
            ["ssh_source"] = approval.SourceAddress,
            ["client_version"] = approval.ClientVersion,
            ["key_fingerprint"] = approval.KeyFingerprint,
        };
        if (key is not null)
        {
            data["key"] = key;
        }
        if (reason is not null)
        {
            data["reason"] = reason;
        }
        return data;
    }
}
