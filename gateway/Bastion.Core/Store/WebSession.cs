namespace Bastion.Core.Store;

/// <summary>
/// A signed-in admin-web session. The browser's cookie carries a random token; the store keeps only its SHA-256, so
/// a copy of the database cannot be replayed as a cookie, and the server can end a session the cookie still names.
/// </summary>
/// <param name="LastSeenAt">The last request, stamped at most about once a minute (the idle timeout is counted from it).</param>
/// <param name="ExpiresAt">The absolute end, however active the session is.</param>
/// <param name="VerifiedAt">The last WebAuthn ceremony the person did in this session (the sign-in, then each step-up).</param>
/// <param name="RevokedAt">When sign-out (here or everywhere) ended it; null while it may be used.</param>
/// <param name="SourceAddress">The client address at sign-in, for the audit trail and the person's own reference.</param>
public sealed record WebSession(
    long Id,
    long UserId,
    DateTimeOffset CreatedAt,
    DateTimeOffset LastSeenAt,
    DateTimeOffset ExpiresAt,
    DateTimeOffset VerifiedAt,
    DateTimeOffset? RevokedAt,
    string SourceAddress)
{
    /// <summary>Why the session no longer admits requests at <paramref name="now"/>, or null while it does.</summary>
    public WebSessionEnd? EndAt(DateTimeOffset now, TimeSpan idleTimeout) =>
        RevokedAt is not null ? WebSessionEnd.Revoked
        : now >= ExpiresAt ? WebSessionEnd.Expired
        : now - LastSeenAt >= idleTimeout ? WebSessionEnd.Idle
        : null;
}

/// <summary>Why a web session ended.</summary>
public enum WebSessionEnd
{
    /// <summary>Signed out, from this browser or with "sign out everywhere".</summary>
    Revoked,

    /// <summary>The session lifetime passed.</summary>
    Expired,

    /// <summary>No request for the idle timeout.</summary>
    Idle,
}

/// <summary>What sign-in stores: the token's SHA-256 (never the token) and when the session ends at the latest.</summary>
public sealed record NewWebSession(long UserId, byte[] TokenHash, DateTimeOffset ExpiresAt, string SourceAddress);
