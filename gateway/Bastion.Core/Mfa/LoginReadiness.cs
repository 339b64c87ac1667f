using Bastion.Core.Keys;
using Bastion.Core.Store;

namespace Bastion.Core.Mfa;

/// <summary>Something a user must enrol before a login under their MFA policy can succeed.</summary>
public enum LoginRequirement
{
    SshKey,
    SecurityKeySshKey,
    Totp,
    BrowserSecurityKey,
}

/// <summary>
/// What a user still lacks to meet the MFA policy in force. A half-enrolled user (invited, key added, TOTP never
/// confirmed) fails at login with a message only they see; this lets an operator (bastion doctor) and an admin
/// (the Users page) find them first.
/// </summary>
public static class LoginReadiness
{
    /// <param name="policy">The policy in force (own or a group's, see <see cref="MfaPolicies.Effective"/>).</param>
    /// <param name="keyTypes">Wire names of the user's SSH keys.</param>
    /// <param name="hasTotp">A confirmed TOTP credential exists.</param>
    /// <param name="webAuthnCredentials">Security keys registered in the admin app (for browser approval).</param>
    /// <returns>Empty when the user can log in.</returns>
    public static IReadOnlyList<LoginRequirement> Missing(string policy, IReadOnlyCollection<string> keyTypes, bool hasTotp, int webAuthnCredentials)
    {
        var missing = new List<LoginRequirement>();
        if (policy is MfaPolicies.SecurityKey or MfaPolicies.SecurityKeyAndTotp)
        {
            if (!keyTypes.Any(SupportedKeyTypes.IsSecurityKey))
            {
                missing.Add(LoginRequirement.SecurityKeySshKey);
            }
        }
        else if (keyTypes.Count == 0)
        {
            missing.Add(LoginRequirement.SshKey);
        }
        if ((policy is MfaPolicies.KeyAndTotp or MfaPolicies.SecurityKeyAndTotp) && !hasTotp)
        {
            missing.Add(LoginRequirement.Totp);
        }
        if (policy == MfaPolicies.KeyAndWebAuthn && webAuthnCredentials == 0)
        {
            missing.Add(LoginRequirement.BrowserSecurityKey);
        }
        return missing;
    }

    /// <summary>The same for every user in <paramref name="users"/>, by user id, under the policy in force (own or a group's).</summary>
    public static async Task<IReadOnlyDictionary<long, IReadOnlyList<LoginRequirement>>> MissingForAsync(
        IBastionStore store, IEnumerable<User> users, IReadOnlyDictionary<string, string> groupPolicies, CancellationToken ct)
    {
        ArgumentNullException.ThrowIfNull(store);
        return MissingFor(users, groupPolicies, await store.ListEnrolmentsAsync(ct).ConfigureAwait(false));
    }

    /// <summary>As <see cref="MissingForAsync"/>, with the enrolments already read.</summary>
    public static IReadOnlyDictionary<long, IReadOnlyList<LoginRequirement>> MissingFor(
        IEnumerable<User> users, IReadOnlyDictionary<string, string> groupPolicies, IReadOnlyDictionary<long, Enrolment> enrolments)
    {
        ArgumentNullException.ThrowIfNull(users);
        ArgumentNullException.ThrowIfNull(enrolments);
        return users.ToDictionary(u => u.Id, u =>
        {
            var (policy, _) = MfaPolicies.Effective(u, groupPolicies);
            var enrolment = enrolments.GetValueOrDefault(u.Id, Enrolment.None);
            return Missing(policy, enrolment.KeyTypes, enrolment.HasTotp, enrolment.WebAuthnCredentials);
        });
    }

    /// <summary>A few words for a table cell.</summary>
    public static string Label(LoginRequirement requirement) => requirement switch
    {
        LoginRequirement.SshKey => "SSH key",
        LoginRequirement.SecurityKeySshKey => "security-key SSH key",
        LoginRequirement.Totp => "TOTP",
        _ => "security key for browser approval",
    };

    /// <summary>The sentence for an operator: what is missing and the command (or page) that adds it.</summary>
    public static string HowToAdd(LoginRequirement requirement, string userName) => requirement switch
    {
        LoginRequirement.SshKey => $"no SSH key: bastion key add {userName} --file KEY.pub (or the admin app's SSH keys page)",
        LoginRequirement.SecurityKeySshKey => $"no security-key SSH key: the user runs ssh-keygen -t ed25519-sk, then bastion key add {userName} --file id_ed25519_sk.pub",
        LoginRequirement.Totp => $"no TOTP enrolled: bastion totp enroll {userName} (or the admin app's TOTP page)",
        _ => "no security key registered for browser approval: the user adds one in the admin app",
    };
}
