using Bastion.Core.Mfa;
namespace Bastion.Core.Store;

/// <summary>
/// MFA requirements set per group ("everyone in @prod-admins signs in with a security key"). A user's effective policy
/// is the strongest of their own and their groups' (see <see cref="MfaPolicies.Effective"/>).
/// </summary>
public interface IGroupPolicyStore
{
    /// <summary>Sets (or replaces) the MFA policy required of <paramref name="groupName"/>'s members. Validates the policy
    /// name (<see cref="InvalidEntityException"/>); "key" is not allowed for a group.</summary>
    Task SetGroupMfaPolicyAsync(string groupName, string mfaPolicy, CancellationToken ct = default);

    /// <summary>False if the group had no policy.</summary>
    Task<bool> RemoveGroupMfaPolicyAsync(string groupName, CancellationToken ct = default);

    /// <summary>Every group policy, by group name (case as set); groups without one are absent.</summary>
    Task<IReadOnlyDictionary<string, string>> ListGroupMfaPoliciesAsync(CancellationToken ct = default);
}
