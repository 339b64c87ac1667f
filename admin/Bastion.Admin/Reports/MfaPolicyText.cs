using Bastion.Core.Store;
using Bastion.Core.Mfa;

namespace Bastion.Admin.Reports;

/// <summary>
/// A user's MFA policy as an admin should read it: the policy a login must meet (what the gateway applies), and, when
/// a group raised it above the user's own, which group and what the user's own policy is — so nobody lowers the own
/// policy expecting it to take effect.
/// </summary>
public static class MfaPolicyText
{
    /// <summary>e.g. "key+totp", "key (automation: key only)" or "sk (required by @prod-admins; own: key+totp)".</summary>
    public static string Effective(User user, IReadOnlyDictionary<string, string> groupPolicies)
    {
        var (policy, group) = MfaPolicies.Effective(user, groupPolicies);
        if (group is null)
        {
            return user.MfaPolicy + (user.IsAutomation ? " (automation: key only)" : "");
        }
        return $"{policy} (required by @{group}; own: {user.MfaPolicy}{(user.IsAutomation ? ", automation" : "")})";
    }
}
