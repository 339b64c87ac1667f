using System.Buffers.Text;
using System.Security.Claims;
using System.Security.Cryptography;
using System.Text;
using Bastion.Admin.Hosting;
using Bastion.Core.Store;
using Bastion.Hosting;
using Microsoft.AspNetCore.Authentication;
using Microsoft.AspNetCore.Authentication.Cookies;

namespace Bastion.Admin.Security;

/// <summary>
/// Server-side sign-ins: the encrypted cookie carries a random token, the store a row under the token's SHA-256.
/// Every request reads the row (<see cref="ValidateAsync"/>), so a sign-out, a "sign out everywhere", the session
/// lifetime and the idle timeout end a session on every admin process, whatever cookie a browser still holds.
/// The row also holds the time of the last security-key assertion, which step-up checks.
/// </summary>
public sealed class WebSessions(BastionContext context, AdminSettings settings)
{
    /// <summary>Claim holding the session token (only inside the data-protected cookie; the store keeps its hash).</summary>
    public const string TokenClaim = "bastion:sid";

    /// <summary>Last-seen stamps are written at most this often, not on every request.</summary>
    private static readonly TimeSpan TouchEvery = TimeSpan.FromMinutes(1);

    /// <summary>Ended sessions stay this long (for support questions) before sign-ins clear them out.</summary>
    private static readonly TimeSpan KeepEnded = TimeSpan.FromDays(1);

    private static readonly object CurrentKey = new();

    public static byte[] Hash(string token) => SHA256.HashData(Encoding.ASCII.GetBytes(token));

    /// <summary>Stores a new session for <paramref name="user"/> and signs the browser in with its token.</summary>
    public async Task<WebSession> SignInAsync(HttpContext http, User user, IReadOnlyList<string> roles)
    {
        var ct = http.RequestAborted;
        var token = Base64Url.EncodeToString(RandomNumberGenerator.GetBytes(32));
        var now = context.Time.GetUtcNow();
        await context.Store.DeleteWebSessionsEndedBeforeAsync(now - KeepEnded, ct);
        var address = http.Connection.RemoteIpAddress?.ToString() ?? "";
        var session = await context.Store.CreateWebSessionAsync(new NewWebSession(user.Id, Hash(token), now + settings.SessionLifetime, address), ct);
        await http.SignInAsync(CookieAuthenticationDefaults.AuthenticationScheme, PrincipalRefresher.Create(user, roles, token));
        http.Items[CurrentKey] = session;
        return session;
    }

    /// <summary>
    /// The session the principal's cookie names, when it belongs to <paramref name="userId"/> and still admits
    /// requests; null otherwise (the caller signs the browser out). Stamps it seen, about once a minute.
    /// </summary>
    public async Task<WebSession?> ValidateAsync(HttpContext http, ClaimsPrincipal principal, long userId)
    {
        // A cookie without a token was issued before server-side sessions: it cannot be revoked, so it is not accepted.
        if (principal.FindFirstValue(TokenClaim) is not { Length: > 0 } token)
        {
            return null;
        }
        var session = await context.Store.FindWebSessionAsync(Hash(token), http.RequestAborted);
        var now = context.Time.GetUtcNow();
        if (session is null || session.UserId != userId || session.EndAt(now, settings.IdleTimeout) is not null)
        {
            return null;
        }
        if (now - session.LastSeenAt >= TouchEvery && !await context.Store.TouchWebSessionAsync(session.Id, http.RequestAborted))
        {
            return null; // revoked between the read and the stamp
        }
        http.Items[CurrentKey] = session;
        return session;
    }

    /// <summary>The session this request was admitted with (set by <see cref="ValidateAsync"/> or <see cref="SignInAsync"/>).</summary>
    public static WebSession? Current(HttpContext http) => http.Items.TryGetValue(CurrentKey, out var value) ? value as WebSession : null;

    /// <summary>The SHA-256 of this request's session token: what a step-up ceremony is bound to.</summary>
    public static byte[]? CurrentTokenHash(HttpContext http) =>
        Current(http) is not null && http.User.FindFirstValue(TokenClaim) is { Length: > 0 } token ? Hash(token) : null;

    /// <summary>How long ago the current session's last security-key assertion was; null without a session.</summary>
    public TimeSpan? SinceVerified(HttpContext http) => Current(http) is { } session ? context.Time.GetUtcNow() - session.VerifiedAt : null;

    /// <summary>Whether the current session's last security-key assertion is inside the step-up window.</summary>
    public bool IsSteppedUp(HttpContext http) => SinceVerified(http) is { } since && since <= settings.StepUpWindow;

    /// <summary>Records a step-up assertion made now. False when the session was revoked meanwhile.</summary>
    public async Task<bool> RecordStepUpAsync(HttpContext http)
    {
        if (Current(http) is not { } session || !await context.Store.RecordWebSessionVerifiedAsync(session.Id, http.RequestAborted))
        {
            return false;
        }
        http.Items[CurrentKey] = session with { VerifiedAt = context.Time.GetUtcNow() };
        return true;
    }

    /// <summary>Revokes this request's session (sign-out). Null when the request had no live session.</summary>
    public async Task<WebSession?> RevokeCurrentAsync(HttpContext http)
    {
        if (Current(http) is not { } session || !await context.Store.RevokeWebSessionAsync(session.Id, http.RequestAborted))
        {
            return null;
        }
        http.Items.Remove(CurrentKey);
        return session;
    }

    /// <summary>Revokes every session of the user, this one included ("sign out everywhere"); returns how many.</summary>
    public async Task<int> RevokeAllAsync(HttpContext http, long userId)
    {
        http.Items.Remove(CurrentKey);
        return await context.Store.RevokeWebSessionsOfUserAsync(userId, http.RequestAborted);
    }
}
