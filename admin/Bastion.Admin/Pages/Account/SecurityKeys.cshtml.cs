using System.Text.Json;
using Bastion.Admin.Security;
using Bastion.Admin.WebAuthn;
using Bastion.Admin.Security.StepUp;
using Bastion.Core.Store;
using Microsoft.AspNetCore.Authorization;
using Microsoft.AspNetCore.Mvc;

namespace Bastion.Admin.Pages.Account;

/// <summary>Any signed-in person manages their own web-login keys; the last one cannot be removed.</summary>
[Authorize]
public sealed class SecurityKeysModel(WebAuthnCeremonies ceremonies) : BastionPageModel
{
    public IReadOnlyList<WebAuthnCredential> Keys { get; private set; } = [];

    public async Task OnGetAsync()
    {
        var user = await CurrentUserAsync();
        Keys = await Store.ListWebAuthnCredentialsAsync(user.Id, HttpContext.RequestAborted);
    }

    [RequiresStepUp("register another security key")]
    public async Task<IActionResult> OnPostOptionsAsync([FromForm] string? nickname)
    {
        var user = await CurrentUserAsync();
        var name = string.IsNullOrWhiteSpace(nickname) ? "security key" : nickname.Trim();
        if (name.Length > 100 || name.Any(char.IsControl))
        {
            return JsonError("Give the key a name of at most 100 characters.");
        }
        return Content(await ceremonies.StartRegistrationAsync(HttpContext, user, CeremonyPurpose.RegisterAnother, 0, name, HttpContext.RequestAborted), "application/json");
    }

    [RequiresStepUp("register another security key")]
    public async Task<IActionResult> OnPostRegisterAsync([FromBody] JsonElement body)
    {
        var user = await CurrentUserAsync();
        try
        {
            var (state, credential) = await ceremonies.FinishRegistrationAsync(HttpContext, CeremonyPurpose.RegisterAnother, body, HttpContext.RequestAborted);
            if (state.UserId != user.Id)
            {
                return JsonError("the registration was started by another user; reload the page");
            }
            var stored = await Store.AddWebAuthnCredentialAsync(credential, HttpContext.RequestAborted);
            await Audit.WriteAsync(AdminAudit.WebAuthnAdded, user.Name, new() { ["key"] = stored.Nickname, ["aaguid"] = stored.AaGuid.ToString() });
            TempData["Flash"] = $"Security key \"{stored.Nickname}\" registered.";
            return new JsonResult(new { redirect = "/account/security-keys" });
        }
        catch (Exception ex) when (ex is CeremonyException or StoreConflictException)
        {
            return JsonError(ex.Message);
        }
    }

    [RequiresStepUp("remove a security key")]
    public async Task<IActionResult> OnPostRemoveAsync(long id)
    {
        var user = await CurrentUserAsync();
        var keys = await Store.ListWebAuthnCredentialsAsync(user.Id, HttpContext.RequestAborted);
        var key = keys.FirstOrDefault(k => k.Id == id);
        if (key is null)
        {
            return RedirectWithError("No such security key.");
        }
        if (keys.Count <= 1)
        {
            return RedirectWithError("This is your only security key; register another one before removing it, or you could not sign in again.");
        }
        await Store.RemoveWebAuthnCredentialAsync(user.Id, id, HttpContext.RequestAborted);
        await Audit.WriteAsync(AdminAudit.WebAuthnRemoved, user.Name, new() { ["key"] = key.Nickname });
        return RedirectWithMessage($"Security key \"{key.Nickname}\" removed.");
    }
}
