using System.Globalization;
using System.Security.Claims;
using Bastion.Core.Store;
using Bastion.Hosting;
using Microsoft.AspNetCore.Authentication;
using Microsoft.AspNetCore.Authentication.Cookies;

namespace Bastion.Admin.Security;

/// <summary>
/// Builds the cookie principal at login, and re-reads the user and the session on every request: a disabled or
/// deleted user, and a session that was signed out, expired or went idle, are signed out at once; role changes
/// apply on the next click rather than at the next login.
/// </summary>
public static class PrincipalRefresher
{
    /// <param name="sessionToken">The <see cref="WebSessions"/> token this cookie stands for.</param>
    public static ClaimsPrincipal Create(User user, IEnumerable<string> roles, string sessionToken)
    {
        var claims = new List<Claim>
        {
            new(ClaimTypes.Name, user.Name),
            new(Policies.UserIdClaim, user.Id.ToString(CultureInfo.InvariantCulture)),
            new(WebSessions.TokenClaim, sessionToken),
        };
        claims.AddRange(roles.Select(role => new Claim(ClaimTypes.Role, role)));
        return new ClaimsPrincipal(new ClaimsIdentity(claims, CookieAuthenticationDefaults.AuthenticationScheme));
    }

    public static long? UserId(ClaimsPrincipal principal) =>
        long.TryParse(principal.FindFirstValue(Policies.UserIdClaim), NumberStyles.None, CultureInfo.InvariantCulture, out var id) ? id : null;

    public static async Task ValidateAsync(CookieValidatePrincipalContext context)
    {
        var services = context.HttpContext.RequestServices;
        var store = services.GetRequiredService<BastionContext>().Store;
        var id = context.Principal is null ? null : UserId(context.Principal);
        var user = id is null ? null : await store.GetUserByIdAsync(id.Value, context.HttpContext.RequestAborted);
        if (user is null || user.Disabled || user.Name != context.Principal!.Identity?.Name
            || await services.GetRequiredService<WebSessions>().ValidateAsync(context.HttpContext, context.Principal, user.Id) is null)
        {
            await RejectAsync(context);
            return;
        }
        var roles = await store.GetRolesAsync(user.Id, context.HttpContext.RequestAborted);
        var current = context.Principal.FindAll(ClaimTypes.Role).Select(c => c.Value).Order(StringComparer.Ordinal);
        if (roles.Count == 0)
        {
            await RejectAsync(context);
            return;
        }
        if (!current.SequenceEqual(roles, StringComparer.Ordinal))
        {
            context.ReplacePrincipal(Create(user, roles, context.Principal.FindFirstValue(WebSessions.TokenClaim)!));
            context.ShouldRenew = true;
        }
    }

    private static async Task RejectAsync(CookieValidatePrincipalContext context)
    {
        context.RejectPrincipal();
        await context.HttpContext.SignOutAsync(CookieAuthenticationDefaults.AuthenticationScheme);
    }
}
