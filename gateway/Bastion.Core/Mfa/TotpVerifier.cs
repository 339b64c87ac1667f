using System.Security.Cryptography;
using System.Text;
using Bastion.Core.Secrets;
using Bastion.Core.Store;

namespace Bastion.Core.Mfa;

/// <summary>
/// Checks TOTP codes: the current step ± <see cref="TotpOptions.AllowedDriftSteps"/>, compared in constant
/// time, and each code usable once. Single use is enforced by the store's atomic compare-and-set on the last
/// accepted step, so two gateway processes sharing the database cannot both accept the same code.
/// </summary>
public sealed class TotpVerifier
{
    private readonly IUserStore _users;
    private readonly ITotpStore _totp;
    private readonly SecretProtector _protector;
    private readonly TimeProvider _time;
    private readonly TotpOptions _options;

    public TotpVerifier(IUserStore users, ITotpStore totp, SecretProtector protector, TimeProvider? timeProvider = null, TotpOptions? options = null)
    {
        _users = users ?? throw new ArgumentNullException(nameof(users));
        _totp = totp ?? throw new ArgumentNullException(nameof(totp));
        _protector = protector ?? throw new ArgumentNullException(nameof(protector));
        _time = timeProvider ?? TimeProvider.System;
        _options = options ?? new TotpOptions();
    }

    /// <summary>Convenience for the usual case where one store provides everything.</summary>
    public TotpVerifier(IBastionStore store, SecretProtector protector, TimeProvider? timeProvider = null, TotpOptions? options = null)
        : this(store, store, protector, timeProvider, options)
    {
    }

    /// <summary>Checks <paramref name="code"/> for the user called <paramref name="userName"/>.</summary>
    public async Task<TotpVerificationResult> VerifyAsync(string userName, string code, CancellationToken ct = default)
    {
        var user = await _users.GetUserAsync(userName, ct).ConfigureAwait(false);
        return user is null ? TotpVerificationResult.NotEnrolled : await VerifyAsync(user, code, ct).ConfigureAwait(false);
    }

    /// <summary>
    /// Checks <paramref name="code"/> (6 digits; spaces ignored) for <paramref name="user"/>. Throws
    /// <see cref="SecretProtectionException"/> if the stored seed cannot be decrypted (wrong key file).
    /// </summary>
    public async Task<TotpVerificationResult> VerifyAsync(User user, string code, CancellationToken ct = default)
    {
        ArgumentNullException.ThrowIfNull(user);
        var credential = await _totp.GetTotpCredentialAsync(user.Id, ct).ConfigureAwait(false);
        if (credential is null)
        {
            return TotpVerificationResult.NotEnrolled;
        }
        var normalized = (code ?? "").Replace(" ", "", StringComparison.Ordinal);
        if (normalized.Length != TotpOptions.Digits || !normalized.All(char.IsAsciiDigit))
        {
            return TotpVerificationResult.Invalid;
        }

        var matchedStep = FindMatchingStep(credential, user.Name, Encoding.ASCII.GetBytes(normalized));
        if (matchedStep is null)
        {
            return TotpVerificationResult.Invalid;
        }
        if (matchedStep <= credential.LastAcceptedStep)
        {
            return TotpVerificationResult.Replayed;
        }
        // The read above may be stale: another process may have accepted this step since. The conditional
        // update decides atomically which of the two wins.
        return await _totp.TryAdvanceTotpStepAsync(user.Id, matchedStep.Value, ct).ConfigureAwait(false)
            ? TotpVerificationResult.Accepted
            : TotpVerificationResult.Replayed;
    }

    /// <summary>
    /// Compares the code against every step in the window without stopping at the first match, so the time
    /// taken does not reveal which step (if any) matched.
    /// </summary>
    private long? FindMatchingStep(TotpCredential credential, string userName, byte[] given)
    {
        using var seed = _protector.Unprotect(credential.EncryptedSecret, SecretProtector.TotpPurpose, userName);
        var current = TotpCode.StepAt(_time.GetUtcNow());
        long? matched = null;
        for (var step = current - _options.AllowedDriftSteps; step <= current + _options.AllowedDriftSteps; step++)
        {
            var expected = Encoding.ASCII.GetBytes(TotpCode.Compute(seed.Reveal(), step));
            if (CryptographicOperations.FixedTimeEquals(expected, given))
            {
                // On the (1-in-a-million) chance two steps share a code, prefer the latest so the code is spent.
                matched = step;
            }
        }
        return matched;
    }
}
