using Bastion.Core.Keys;
using Bastion.Core.Store;

namespace Bastion.Core.Mfa;

/// <summary>
/// What a user still lacks to meet an MFA policy, in the words of the command that fixes it. A user who is half
/// enrolled (invited, key added, TOTP never confirmed) fails at login with a message only they see; this lets an
/// operator find them first.
/// </summary>
public static class LoginReadiness
{
    /// <param name="userName">For the commands in the answer.</param>
    /// <param name="policy">The policy in force (own or a group's, see <see cref="MfaPolicies.Effective"/>).</param>
    /// <param name="keyTypes">Wire names of the user's SSH keys.</param>
    /// <param name="hasTotp">A confirmed TOTP credential exists.</param>
    /// <param name="webAuthnCredentials">Security keys registered in the admin app (for browser approval).</param>
    /// <returns>Empty when the user can log in; otherwise one entry per missing piece.</returns>
    public static IReadOnlyList<string> Missing(string userName, string policy, IReadOnlyCollection<string> keyTypes, bool hasTotp, int webAuthnCredentials)
    {
        var missing = new List<string>();
        var needsSecurityKey = policy is MfaPolicies.SecurityKey or MfaPolicies.SecurityKeyAndTotp;
        if (needsSecurityKey && !keyTypes.Any(SupportedKeyTypes.IsSecurityKey))
        {
            missing.Add($"no security-key SSH key (policy {policy}): ssh-keygen -t ed25519-sk, then bastion key add {userName} --file id_ed25519_sk.pub");
        }
        else if (keyTypes.Count == 0)
        {
            missing.Add($"no SSH key: bastion key add {userName} --file KEY.pub (or the admin app's SSH keys page)");
        }
        if ((policy is MfaPolicies.KeyAndTotp or MfaPolicies.SecurityKeyAndTotp) && !hasTotp)
        {
            missing.Add($"no TOTP enrolled (policy {policy}): bastion totp enroll {userName} (or the admin app's TOTP page)");
        }
        if (policy == MfaPolicies.KeyAndWebAuthn && webAuthnCredentials == 0)
        {
            missing.Add($"no security key registered for browser approval (policy {policy}): the user adds one in the admin app");
        }
        return missing;
    }
}
