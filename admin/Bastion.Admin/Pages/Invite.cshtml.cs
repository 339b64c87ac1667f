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

/// <summary>
/// Redeeming an invite: the invitee registers their first security key and is signed in. The invite is spent only
/// when the key's attestation verified, so a cancelled touch can be retried with the same link.
/// </summary>
[AllowAnonymous]
[EnableRateLimiting(AdminApp.LoginRateLimit)]
public sealed class InviteModel(WebAuthnCeremonies ceremonies, WebSessions sessions) : BastionPageModel
{
    [BindProperty(SupportsGet = true)]
    public string Token { get; set; } = "";

    public string? Invitee { get; private set; }

    public DateTimeOffset ExpiresAt { get; private set; }

    public async Task OnGetAsync()
    {
        var (invite, user) = await FindOpenInviteAsync();
        Invitee = user?.Name;
        ExpiresAt = invite?.ExpiresAt ?? default;
    }

    public async Task<IActionResult> OnPostOptionsAsync([FromForm] string? nickname)
    {
        var (invite, user) = await FindOpenInviteAsync();
        if (invite is null || user is null)
        {
            return JsonError("This invite link has expired or was already used; ask an admin for a new one.", StatusCodes.Status410Gone);
        }
        var name = string.IsNullOrWhiteSpace(nickname) ? "security key" : nickname.Trim();
        if (name.Length > 100 || name.Any(char.IsControl))
        {
            return JsonError("Give the key a name of at most 100 characters.");
        }
        return Content(await ceremonies.StartRegistrationAsync(HttpContext, user, CeremonyPurpose.RegisterWithInvite, invite.Id, name, HttpContext.RequestAborted), "application/json");
    }

    public async Task<IActionResult> OnPostRegisterAsync([FromBody] JsonElement body)
    {
        var (invite, user) = await FindOpenInviteAsync();
        if (invite is null || user is null)
        {
            return JsonError("This invite link has expired or was already used; ask an admin for a new one.", StatusCodes.Status410Gone);
        }
        NewWebAuthnCredential credential;
        try
        {
            CeremonyState state;
            (state, credential) = await ceremonies.FinishRegistrationAsync(HttpContext, CeremonyPurpose.RegisterWithInvite, body, HttpContext.RequestAborted);
            if (state.InviteId != invite.Id || state.UserId != user.Id)
            {
                throw new CeremonyException("the registration was started for another invite; reload the page");
            }
        }
        catch (CeremonyException ex)
        {
            await Audit.WriteAsync(AdminAudit.LoginFailure, user.Name, new() { ["method"] = "invite", ["reason"] = ex.Message }, AuditSeverity.Warning, actor: user.Name);
            return JsonError(ex.Message);
        }
        if (!await Store.TryRedeemInviteAsync(invite.Id, HttpContext.RequestAborted))
        {
            return JsonError("This invite link has expired or was already used; ask an admin for a new one.", StatusCodes.Status410Gone);
        }
        var stored = await Store.AddWebAuthnCredentialAsync(credential, HttpContext.RequestAborted);
        await Audit.WriteAsync(AdminAudit.InviteRedeemed, user.Name, new() { ["invited_by"] = invite.CreatedBy }, actor: user.Name);
        await Audit.WriteAsync(AdminAudit.WebAuthnAdded, user.Name, new() { ["key"] = stored.Nickname, ["aaguid"] = stored.AaGuid.ToString() }, actor: user.Name);
        var roles = await Store.GetRolesAsync(user.Id, HttpContext.RequestAborted);
        if (roles.Count == 0)
        {
            return new JsonResult(new { redirect = "/login" });
        }
        // Registering the first key is this session's security-key ceremony: the new person may add their SSH key and
        // TOTP right away, within the step-up window, without touching the key a second time.
        var session = await sessions.SignInAsync(HttpContext, user, roles);
        await Audit.WriteAsync(AdminAudit.Login, user.Name, new()
        {
            ["method"] = "invite", ["roles"] = string.Join(",", roles), ["session"] = session.Id.ToString(CultureInfo.InvariantCulture),
        }, AuditSeverity.Info, actor: user.Name);
        return new JsonResult(new { redirect = "/" });
    }

    private async Task<(AdminInvite? Invite, User? User)> FindOpenInviteAsync()
    {
        if (Token.Length is < 20 or > 100)
        {
            return (null, null);
        }
        var invite = await Store.FindInviteAsync(InviteTokens.Hash(Token), HttpContext.RequestAborted);
        if (invite is null || !invite.IsOpenAt(Bastion.Time.GetUtcNow()))
        {
            return (null, null);
        }
        var user = await Store.GetUserByIdAsync(invite.UserId, HttpContext.RequestAborted);
        return user is null || user.Disabled ? (null, null) : (invite, user);
    }
}
