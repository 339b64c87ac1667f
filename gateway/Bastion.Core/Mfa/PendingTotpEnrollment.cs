using System.Security.Cryptography;
using System.Text;
using Bastion.Core.Secrets;
using Bastion.Core.Store;
using OtpNet;

namespace Bastion.Core.Mfa;

/// <summary>
/// TOTP enrolment in two steps, for the web page: <see cref="StartAsync"/> creates a seed and keeps it as pending
/// (the user's current TOTP, if any, keeps working); <see cref="ConfirmAsync"/> activates it only when the user
/// typed a valid code from their app, which proves the app holds the seed. The confirming code is spent: it cannot
/// be used again for an SSH login.
/// </summary>
public sealed class PendingTotpEnrollment
{
    private const int SeedBytes = 20;
    private readonly IBastionStore _store;
    private readonly SecretProtector _protector;
    private readonly TimeProvider _time;
    private readonly TotpOptions _options;

    public PendingTotpEnrollment(IBastionStore store, SecretProtector protector, TimeProvider? timeProvider = null, TotpOptions? options = null)
    {
        _store = store ?? throw new ArgumentNullException(nameof(store));
        _protector = protector ?? throw new ArgumentNullException(nameof(protector));
        _time = timeProvider ?? TimeProvider.System;
        _options = options ?? new TotpOptions();
    }

    /// <summary>Creates a new pending seed (replacing an earlier pending one) and returns it for display, once.</summary>
    public async Task<TotpEnrollmentResult> StartAsync(User user, CancellationToken ct = default)
    {
        ArgumentNullException.ThrowIfNull(user);
        var seedBytes = RandomNumberGenerator.GetBytes(SeedBytes);
        try
        {
            using var seed = new Secret(seedBytes);
            await _store.SetPendingTotpAsync(user.Id, _protector.Protect(seed, SecretProtector.TotpPurpose, user.Name), ct).ConfigureAwait(false);
            var base32 = Base32Encoding.ToString(seedBytes).TrimEnd('=');
            var issuer = Uri.EscapeDataString(_options.Issuer);
            var uri = $"otpauth://totp/{issuer}:{Uri.EscapeDataString(user.Name)}?secret={base32}&issuer={issuer}" +
                      $"&algorithm=SHA1&digits={TotpOptions.Digits}&period={TotpOptions.StepSeconds}";
            return new TotpEnrollmentResult(user.Name, base32, uri);
        }
        finally
        {
            CryptographicOperations.ZeroMemory(seedBytes);
        }
    }

    /// <summary>
    /// Checks <paramref name="code"/> against the pending seed; if it matches, the seed replaces the user's TOTP
    /// credential and the pending entry is removed. Returns <see cref="TotpVerificationResult.NotEnrolled"/> when
    /// nothing is pending.
    /// </summary>
    public async Task<TotpVerificationResult> ConfirmAsync(User user, string code, CancellationToken ct = default)
    {
        ArgumentNullException.ThrowIfNull(user);
        var pending = await _store.GetPendingTotpAsync(user.Id, ct).ConfigureAwait(false);
        if (pending is null)
        {
            return TotpVerificationResult.NotEnrolled;
        }
        var normalized = (code ?? "").Replace(" ", "", StringComparison.Ordinal);
        if (normalized.Length != TotpOptions.Digits || !normalized.All(char.IsAsciiDigit))
        {
            return TotpVerificationResult.Invalid;
        }
        long? matched = null;
        using (var seed = _protector.Unprotect(pending.EncryptedSecret, SecretProtector.TotpPurpose, user.Name))
        {
            var given = Encoding.ASCII.GetBytes(normalized);
            var current = TotpCode.StepAt(_time.GetUtcNow());
            for (var step = current - _options.AllowedDriftSteps; step <= current + _options.AllowedDriftSteps; step++)
            {
                if (CryptographicOperations.FixedTimeEquals(Encoding.ASCII.GetBytes(TotpCode.Compute(seed.Reveal(), step)), given))
                {
                    matched = step;
                }
            }
        }
        if (matched is null)
        {
            return TotpVerificationResult.Invalid;
        }
        await _store.SetTotpCredentialAsync(user.Id, pending.EncryptedSecret, ct).ConfigureAwait(false);
        await _store.TryAdvanceTotpStepAsync(user.Id, matched.Value, ct).ConfigureAwait(false);
        await _store.RemovePendingTotpAsync(user.Id, ct).ConfigureAwait(false);
        return TotpVerificationResult.Accepted;
    }
}
