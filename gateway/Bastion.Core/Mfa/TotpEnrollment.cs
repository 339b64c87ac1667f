using System.Security.Cryptography;
using Bastion.Core.Secrets;
using Bastion.Core.Store;
using OtpNet;

namespace Bastion.Core.Mfa;

/// <summary>
/// Gives a user a new TOTP seed: 20 random bytes (160 bits, the RFC 4226 recommendation), stored encrypted
/// and bound to the user. Enrolling again replaces the old seed, which stops working at once.
/// </summary>
public sealed class TotpEnrollment
{
    private const int SeedBytes = 20;

    private readonly IUserStore _users;
    private readonly ITotpStore _totp;
    private readonly SecretProtector _protector;
    private readonly TotpOptions _options;

    public TotpEnrollment(IUserStore users, ITotpStore totp, SecretProtector protector, TotpOptions? options = null)
    {
        _users = users ?? throw new ArgumentNullException(nameof(users));
        _totp = totp ?? throw new ArgumentNullException(nameof(totp));
        _protector = protector ?? throw new ArgumentNullException(nameof(protector));
        _options = options ?? new TotpOptions();
    }

    /// <summary>Convenience for the usual case where one store provides everything.</summary>
    public TotpEnrollment(IBastionStore store, SecretProtector protector, TotpOptions? options = null)
        : this(store, store, protector, options)
    {
    }

    /// <summary>
    /// Creates and stores a new seed for <paramref name="userName"/> and returns it for display. Throws
    /// <see cref="EntityNotFoundException"/> if there is no such user.
    /// </summary>
    public async Task<TotpEnrollmentResult> EnrollAsync(string userName, CancellationToken ct = default)
    {
        var user = await _users.GetUserAsync(userName, ct).ConfigureAwait(false)
                   ?? throw new EntityNotFoundException($"no user named \"{userName}\"; add the user first");
        var seedBytes = RandomNumberGenerator.GetBytes(SeedBytes);
        try
        {
            using var seed = new Secret(seedBytes);
            var encrypted = _protector.Protect(seed, SecretProtector.TotpPurpose, user.Name);
            await _totp.SetTotpCredentialAsync(user.Id, encrypted, ct).ConfigureAwait(false);
            var base32 = Base32Encoding.ToString(seedBytes).TrimEnd('=');
            return new TotpEnrollmentResult(user.Name, base32, BuildUri(user.Name, base32));
        }
        finally
        {
            CryptographicOperations.ZeroMemory(seedBytes);
        }
    }

    /// <summary>Key URI format understood by Google Authenticator, Aegis, 1Password and others.</summary>
    private string BuildUri(string userName, string base32)
    {
        var issuer = Uri.EscapeDataString(_options.Issuer);
        return $"otpauth://totp/{issuer}:{Uri.EscapeDataString(userName)}?secret={base32}&issuer={issuer}" +
               $"&algorithm=SHA1&digits={TotpOptions.Digits}&period={TotpOptions.StepSeconds}";
    }
}
