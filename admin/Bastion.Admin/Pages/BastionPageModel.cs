using Bastion.Admin.Security;
using Bastion.Core.Store;
using Bastion.Hosting;
using Microsoft.AspNetCore.Mvc;
using Microsoft.AspNetCore.Mvc.RazorPages;

namespace Bastion.Admin.Pages;

/// <summary>Shared helpers: the store, the audit writer, the signed-in user and one-shot messages.</summary>
public abstract class BastionPageModel : PageModel
{
    protected BastionContext Bastion => HttpContext.RequestServices.GetRequiredService<BastionContext>();

    protected IBastionStore Store => Bastion.Store;

    protected AdminAudit Audit => HttpContext.RequestServices.GetRequiredService<AdminAudit>();

    /// <summary>The signed-in user, fresh from the store (the cookie was validated against it this request).</summary>
    protected async Task<User> CurrentUserAsync()
    {
        var id = PrincipalRefresher.UserId(User) ?? throw new InvalidOperationException("no signed-in user");
        return await Store.GetUserByIdAsync(id, HttpContext.RequestAborted)
               ?? throw new InvalidOperationException("the signed-in user no longer exists");
    }

    protected IActionResult RedirectWithMessage(string message, string? page = null, object? routeValues = null)
    {
        TempData["Flash"] = message;
        return page is null ? RedirectToPage(routeValues) : RedirectToPage(page, routeValues);
    }

    /// <summary>
    /// Issues <paramref name="user"/> a new invite link (earlier unused ones stop working), audits it, and carries the
    /// link to the GET this redirects to (TempData is encrypted and read once), so a reload neither re-posts the form
    /// nor shows the link a second time. Throws <see cref="InvalidEntityException"/> as <see cref="InviteTokens.IssueAsync"/> does.
    /// </summary>
    protected async Task<IActionResult> InviteAndRedirectAsync(User user, object? routeValues = null)
    {
        var settings = HttpContext.RequestServices.GetRequiredService<Hosting.AdminSettings>();
        var (token, invite) = await InviteTokens.IssueAsync(Store, user, settings.InviteLifetime, Bastion.Time.GetUtcNow(), User.Identity!.Name!, HttpContext.RequestAborted);
        await Audit.WriteAsync(AdminAudit.InviteCreated, user.Name, new() { ["expires_at"] = invite.ExpiresAt.ToString("O") });
        TempData[InviteUrlKey] = InviteTokens.Url(settings.PublicUrl.ToString(), token);
        TempData[InviteForKey] = user.Name;
        return RedirectToPage(routeValues);
    }

    /// <summary>The invite link made by the POST just before, on the page it redirected to; null otherwise.</summary>
    public string? NewInviteUrl => TempData[InviteUrlKey] as string;

    public string? NewInviteFor => TempData[InviteForKey] as string;

    private const string InviteUrlKey = "InviteUrl";
    private const string InviteForKey = "InviteFor";

    protected IActionResult RedirectWithError(string message, string? page = null, object? routeValues = null)
    {
        TempData["FlashError"] = message;
        return page is null ? RedirectToPage(routeValues) : RedirectToPage(page, routeValues);
    }

    protected static JsonResult JsonError(string message, int status = StatusCodes.Status400BadRequest) =>
        new(new { error = message }) { StatusCode = status };
}
