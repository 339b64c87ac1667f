namespace Bastion.Core.Store;

/// <summary>
/// What the admin web app keeps besides users and keys: roles, invite links, WebAuthn credentials and TOTP seeds
/// waiting for confirmation. Deleting a user deletes all of these with them.
/// </summary>
public interface IAdminStore
{
    /// <summary>The user's roles (see <see cref="AdminRoles"/>), sorted. Empty for an unknown user.</summary>
    Task<IReadOnlyList<string>> GetRolesAsync(long userId, CancellationToken ct = default);

    /// <summary>Replaces the user's roles. Throws <see cref="InvalidEntityException"/> or <see cref="EntityNotFoundException"/>.</summary>
    Task SetRolesAsync(long userId, IReadOnlyCollection<string> roles, CancellationToken ct = default);

    /// <summary>
    /// Stores a new invite for the user and withdraws the user's earlier invites that were never used, so only the
    /// newest link works. Throws <see cref="EntityNotFoundException"/> for an unknown user.
    /// </summary>
    Task<AdminInvite> CreateInviteAsync(long userId, byte[] tokenHash, DateTimeOffset expiresAt, string createdBy, CancellationToken ct = default);

    /// <summary>Invites not used and not expired at the store's clock, the soonest to expire first (the admins' dashboard).</summary>
    Task<IReadOnlyList<AdminInvite>> ListOpenInvitesAsync(CancellationToken ct = default);

    /// <summary>The invite whose token hashes to <paramref name="tokenHash"/>, used or not, or null.</summary>
    Task<AdminInvite?> FindInviteAsync(byte[] tokenHash, CancellationToken ct = default);

    /// <summary>
    /// Marks the invite used if it is still open (not used, not expired by the store's clock), atomically: of two
    /// racing redemptions exactly one gets true.
    /// </summary>
    Task<bool> TryRedeemInviteAsync(long inviteId, CancellationToken ct = default);

    /// <summary>Throws <see cref="StoreConflictException"/> when the credential id is already registered.</summary>
    Task<WebAuthnCredential> AddWebAuthnCredentialAsync(NewWebAuthnCredential credential, CancellationToken ct = default);

    /// <summary>The user's credentials, oldest first.</summary>
    Task<IReadOnlyList<WebAuthnCredential>> ListWebAuthnCredentialsAsync(long userId, CancellationToken ct = default);

    Task<WebAuthnCredential?> FindWebAuthnCredentialAsync(byte[] credentialId, CancellationToken ct = default);

    /// <summary>
    /// Records a successful assertion: stores <paramref name="counter"/> and stamps the last use, but only if the
    /// counter increased (or both it and the stored one are 0: an authenticator without a counter). False means the
    /// counter did not increase — a replayed assertion or a cloned authenticator.
    /// </summary>
    Task<bool> TryRecordWebAuthnUseAsync(long credentialId, uint counter, CancellationToken ct = default);

    /// <summary>Removes one of the user's credentials. False if the user has no credential with that id.</summary>
    Task<bool> RemoveWebAuthnCredentialAsync(long userId, long credentialId, CancellationToken ct = default);

    /// <summary>Stores (or replaces) the user's unconfirmed TOTP seed, encrypted.</summary>
    Task SetPendingTotpAsync(long userId, byte[] encryptedSecret, CancellationToken ct = default);

    Task<PendingTotp?> GetPendingTotpAsync(long userId, CancellationToken ct = default);

    /// <summary>False if there was none.</summary>
    Task<bool> RemovePendingTotpAsync(long userId, CancellationToken ct = default);
}
