namespace Bastion.Core.Store;

/// <summary>
/// Admin-web sessions, shared by every admin process on the store, so a sign-out on one is seen by all. Times
/// (created, last seen, verified, revoked) come from the store's clock; whether a session still admits requests is
/// <see cref="WebSession.EndAt"/>, decided by the caller with its own idle timeout.
/// </summary>
public interface IWebSessionStore
{
    /// <summary>
    /// Stores a new session, created, seen and verified now. Throws <see cref="EntityNotFoundException"/> for an
    /// unknown user (the token is 32 random bytes: its hash is unique without asking).
    /// </summary>
    Task<WebSession> CreateWebSessionAsync(NewWebSession session, CancellationToken ct = default);

    /// <summary>The session whose token hashes to <paramref name="tokenHash"/>, revoked or not, or null.</summary>
    Task<WebSession?> FindWebSessionAsync(byte[] tokenHash, CancellationToken ct = default);

    /// <summary>Stamps the session as seen now. False when it is revoked or gone.</summary>
    Task<bool> TouchWebSessionAsync(long sessionId, CancellationToken ct = default);

    /// <summary>Stamps a WebAuthn assertion made now in this session (a step-up). False when it is revoked or gone.</summary>
    Task<bool> RecordWebSessionVerifiedAsync(long sessionId, CancellationToken ct = default);

    /// <summary>Revokes one session now. True only for the call that revoked it.</summary>
    Task<bool> RevokeWebSessionAsync(long sessionId, CancellationToken ct = default);

    /// <summary>Revokes every session of the user that is not revoked yet; returns how many.</summary>
    Task<int> RevokeWebSessionsOfUserAsync(long userId, CancellationToken ct = default);

    /// <summary>Deletes sessions that expired, or were revoked, before <paramref name="before"/>; returns how many.</summary>
    Task<int> DeleteWebSessionsEndedBeforeAsync(DateTimeOffset before, CancellationToken ct = default);
}
