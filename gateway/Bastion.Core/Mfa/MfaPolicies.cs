using Bastion.Core.Store;

namespace Bastion.Core.Mfa;

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

    /// <summary>What a group may require: every policy but "key", which is no second factor.</summary>
    public static IReadOnlyList<string> RequirableByGroup { get; } = [KeyAndTotp, SecurityKey, SecurityKeyAndTotp, KeyAndWebAuthn];

    /// <summary>
    /// Weakest to strongest, by how well each resists phishing and stolen keys: a key alone; a code that can be
    /// phished; a browser approval bound to the admin site's origin; a hardware-bound SSH key; both.
    /// </summary>
    private static readonly string[] ByStrength = [KeyOnly, KeyAndTotp, KeyAndWebAuthn, SecurityKey, SecurityKeyAndTotp];

    /// <summary>0 for "key" up to 4 for "sk+totp"; -1 for an unknown name.</summary>
    public static int Strength(string policy) => Array.IndexOf(ByStrength, policy);

    /// <summary>
    /// The policy a login must meet: the user's own, unless one of their groups requires a stronger one (then the
    /// strongest group requirement, and which group set it).
    /// </summary>
    public static (string Policy, string? Group) Effective(User user, IReadOnlyDictionary<string, string> groupPolicies)
    {
        var policy = user.MfaPolicy;
        string? group = null;
        foreach (var name in user.Groups)
        {
            if (groupPolicies.TryGetValue(name, out var required) && Strength(required) > Strength(policy))
            {
                policy = required;
                group = name;
            }
        }
        return (policy, group);
    }

    /// <summary>What a ControlMaster connection spares the user under <paramref name="policy"/>, as a phrase; null when nothing is asked.</summary>
    public static string? AskedOncePerConnection(string policy) => policy switch
    {
        KeyAndTotp or SecurityKeyAndTotp => "the verification code is asked once per ControlMaster connection",
        KeyAndWebAuthn => "the browser approval is asked once per ControlMaster connection",
        SecurityKey => "the security-key touch is asked once per ControlMaster connection",
        _ => null,
    };

    /// <summary>What an admin does next so that a user with <paramref name="policy"/> can log in, for CLI hints.</summary>
    public static string EnrolmentHint(string policy, string userName) => policy switch
    {
        KeyAndTotp => $"bastion totp enroll {userName}",
        SecurityKeyAndTotp => $"bastion key add {userName} \"<their sk-ssh-ed25519 or sk-ecdsa public key>\", then bastion totp enroll {userName}",
        SecurityKey => $"bastion key add {userName} \"<their sk-ssh-ed25519 or sk-ecdsa public key>\" (ssh-keygen -t ed25519-sk)",
        KeyAndWebAuthn => $"bastion user invite {userName}: they register a security key in the admin web, where they approve each login",
        _ => "nothing more: the key alone logs in (automation account)",
    };

    /// <summary>Throws <see cref="InvalidEntityException"/> unless <paramref name="policy"/> may be required of a group ("key" may not: it would require nothing).</summary>
    public static void EnsureValidForGroup(string policy)
    {
        EnsureValid(policy, isAutomation: true);
        if (policy == KeyOnly)
        {
            throw new InvalidEntityException("a group cannot require MFA policy \"key\" (no second factor); choose key+totp, key+webauthn, sk or sk+totp");
        }
    }

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
