namespace Bastion.Core.Store;

/// <summary>
/// The MFA policies a user can have: which authentication methods together let the user in. Stored as
/// strings so that adding a policy needs no schema change.
/// </summary>
public static class MfaPolicies
{
    /// <summary>An SSH key plus a TOTP code (the default).</summary>
    public const string KeyAndTotp = "key+totp";

    /// <summary>A security-key SSH key (sk-*) with a touch.</summary>
    public const string SecurityKey = "sk";

    /// <summary>A security-key SSH key plus a TOTP code.</summary>
    public const string SecurityKeyAndTotp = "sk+totp";

    /// <summary>An SSH key plus approval in the browser with WebAuthn.</summary>
    public const string KeyAndWebAuthn = "key+webauthn";

    /// <summary>An SSH key alone: only for automation accounts, and flagged in the audit trail.</summary>
    public const string KeyOnly = "key";

    public const string Default = KeyAndTotp;

    public static IReadOnlyList<string> All { get; } = [KeyAndTotp, SecurityKey, SecurityKeyAndTotp, KeyAndWebAuthn, KeyOnly];

    /// <summary>Throws <see cref="InvalidEntityException"/> unless the policy is known and allowed for this kind of account.</summary>
    public static void EnsureValid(string policy, bool isAutomation)
    {
        if (!All.Contains(policy, StringComparer.Ordinal))
        {
            throw new InvalidEntityException($"MFA policy \"{policy}\" is not known; use one of: {string.Join(", ", All)}");
        }
        if (policy == KeyOnly && !isAutomation)
        {
            throw new InvalidEntityException(
                "MFA policy \"key\" (no second factor) is allowed only for automation accounts; mark the user as automation or choose key+totp");
        }
    }
}
