using Bastion.Core.Keys;

namespace Bastion.Core.Mfa;

/// <summary>
/// Judges the flags of a security-key signature against the key's authorized_keys options, the way OpenSSH's
/// sshd does: presence is required unless "no-touch-required"; "verify-required" also demands user
/// verification (PIN or biometric). The counter is judged separately, atomically, by the store.
/// </summary>
public static class SecurityKeyRules
{
    public const string NoTouchRequired = "no-touch-required";
    public const string VerifyRequired = "verify-required";

    public static SecurityKeyVerdict Check(IEnumerable<AuthorizedKeyOption> options, SecurityKeyAssertion assertion) =>
        Check(KeyRestrictions.Parse(options), assertion);

    /// <summary>As above, with the key's options already read (the gateway reads them once per login).</summary>
    public static SecurityKeyVerdict Check(KeyRestrictions restrictions, SecurityKeyAssertion assertion)
    {
        ArgumentNullException.ThrowIfNull(restrictions);
        if (!assertion.Presence && !restrictions.NoTouchRequired)
        {
            return SecurityKeyVerdict.PresenceMissing;
        }
        if (restrictions.VerifyRequired && !assertion.Verified)
        {
            return SecurityKeyVerdict.VerificationMissing;
        }
        return SecurityKeyVerdict.Accepted;
    }
}
