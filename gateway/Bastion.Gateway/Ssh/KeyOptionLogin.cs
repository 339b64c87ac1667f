using System.Net;
using Bastion.Core.Keys;
using Bastion.Core.Store;
using Bastion.Core.Mfa;

namespace Bastion.Gateway.Ssh;

/// <summary>
/// The login-time half of a key's authorized_keys options, once the key is proven: may it log in from this address,
/// now, and may its owner's waiver of the security-key touch stand. The refusals name the option for the audit trail;
/// the banners say what to do.
/// </summary>
internal static class KeyOptionLogin
{
    /// <summary>The key's restrictions and, when they refuse this login, why. A stored option the gateway cannot honour refuses.</summary>
    public static (KeyRestrictions? Restrictions, KeyRefusal? Refusal) Check(SshKey key, IPAddress? client, DateTimeOffset now)
    {
        KeyRestrictions restrictions;
        try
        {
            restrictions = KeyRestrictions.Parse(key.ToAuthorizedKeyLine().Options);
        }
        catch (FormatException ex)
        {
            // Only a key enrolled before its options were checked gets here; sshd would enforce what we cannot, so refuse.
            return (null, new KeyRefusal("options", $"the key's options cannot be honoured: {ex.Message}"));
        }
        return (restrictions, restrictions.LoginRefusal(client, now));
    }

    /// <summary>What the user's terminal shows for a refusal from <see cref="Check"/>.</summary>
    public static string Banner(KeyRefusal refusal, string userName) => refusal.Option switch
    {
        "from" => $"Bastion: this key is refused: {refusal.Reason}. Connect from an address the key allows, or ask a Bastion administrator to change its from= option (bastion key list {userName}).",
        "expiry-time" => $"Bastion: this key is refused: {refusal.Reason}. Ask a Bastion administrator to enrol a new key for {userName}.",
        _ => $"Bastion: this key cannot be used here: {refusal.Reason}. Ask a Bastion administrator to enrol it again without that option.",
    };

    /// <summary>
    /// A security key whose touch its owner waived (no-touch-required not set by an administrator), under a policy that
    /// counts the touch as a factor: refused. Null when the key may go on to the signature's flags.
    /// </summary>
    public static KeyRefusal? UnwaivedTouch(User user, SshKey key, KeyRestrictions restrictions) =>
        restrictions.NoTouchRequired && !key.AddedByAdmin && user.MfaPolicy is MfaPolicies.SecurityKey or MfaPolicies.SecurityKeyAndTotp
            ? new KeyRefusal(KeyOptionRules.NoTouchRequired,
                $"key option {KeyOptionRules.NoTouchRequired} was not set by an administrator (key added by {key.AddedBy ?? "an unrecorded enroller"}); policy {user.MfaPolicy} counts the touch")
            : null;
}
