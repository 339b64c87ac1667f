namespace Bastion.Core.Store;

/// <summary>
/// Encrypted TOTP seeds. Use <see cref="Mfa.TotpEnrollment"/> and <see cref="Mfa.TotpVerifier"/> rather than
/// calling this directly; they handle encryption and single use.
/// </summary>
public interface ITotpStore
{
    /// <summary>Stores (or replaces) the user's encrypted seed and resets the last accepted step to 0.</summary>
    Task SetTotpCredentialAsync(long userId, byte[] encryptedSecret, CancellationToken ct = default);

    Task<TotpCredential?> GetTotpCredentialAsync(long userId, CancellationToken ct = default);

    /// <summary>
    /// Atomically records <paramref name="step"/> as accepted if it is later than the last accepted step.
    /// False means another login (maybe in another process) already used this or a later step: a replay.
    /// </summary>
    Task<bool> TryAdvanceTotpStepAsync(long userId, long step, CancellationToken ct = default);

    /// <summary>Removes the user's TOTP credential. False if there was none.</summary>
    Task<bool> RemoveTotpCredentialAsync(long userId, CancellationToken ct = default);
}
