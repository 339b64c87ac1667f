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

    public static SecurityKeyVerdict Check(IEnumerable<AuthorizedKeyOption> options, SecurityKeyAssertion assertion)
    {
        var names = options.Select(o => o.Name.ToLowerInvariant()).ToHashSet();
        if (!assertion.Presence && !names.Contains(NoTouchRequired))
        {
            return SecurityKeyVerdict.PresenceMissing;
        }
        if (names.Contains(VerifyRequired) && !assertion.Verified)
        {
            return SecurityKeyVerdict.VerificationMissing;
        }
        return SecurityKeyVerdict.Accepted;
    }
}
