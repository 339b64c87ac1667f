using System.Collections.Frozen;

namespace Bastion.Core.Keys;

/// <summary>
/// What each authorized_keys option means at the gateway, in one table: enforced (see <see cref="KeyRestrictions"/>),
/// accepted and ignored (it only takes away something the gateway never offers), or refused (it would promise
/// something the gateway does not do, so a key carrying it is not enrolled). The CLI, the admin web and the gateway
/// all read options through here. <see cref="EnrolmentProblem"/> adds the checks that only make sense when a key is
/// added: who may relax a security key, and options that could never take effect.
/// </summary>
public static class KeyOptionRules
{
    public const string NoTouchRequired = "no-touch-required";

    /// <summary>Options the gateway enforces.</summary>
    public static FrozenSet<string> Enforced { get; } = new[]
    {
        "from", "expiry-time", "restrict", "port-forwarding", "no-port-forwarding", "permitopen", "pty", "no-pty",
        "touch-required", NoTouchRequired, "verify-required",
    }.ToFrozenSet(StringComparer.OrdinalIgnoreCase);

    /// <summary>
    /// Accepted and ignored: the gateway never forwards an agent or X11 and runs no rc file, so these already hold.
    /// Accepting them lets an administrator paste a hardened line unchanged instead of stripping its hardening.
    /// </summary>
    public static FrozenSet<string> Ignored { get; } = new[]
    {
        "no-agent-forwarding", "no-x11-forwarding", "no-user-rc",
    }.ToFrozenSet(StringComparer.OrdinalIgnoreCase);

    /// <summary>Refused at enrolment, with why: each asks for something the gateway does not do.</summary>
    private static readonly FrozenDictionary<string, string> Refused = new Dictionary<string, string>(StringComparer.OrdinalIgnoreCase)
    {
        ["command"] = "the gateway runs no command for a key, it only forwards to targets (a forced command belongs in the target's authorized_keys)",
        ["environment"] = "the gateway starts no shell to set variables in",
        ["tunnel"] = "the gateway does not forward tun devices",
        ["principals"] = "it applies to certificate authorities, which the gateway does not accept",
        ["permitlisten"] = "the gateway does not offer remote forwarding (ssh -R)",
        ["agent-forwarding"] = "the gateway never forwards the SSH agent",
        ["x11-forwarding"] = "the gateway never forwards X11",
        ["user-rc"] = "the gateway runs no ~/.ssh/rc",
        ["cert-authority"] = "the gateway does not accept certificate authorities; register each user's own public key",
    }.ToFrozenDictionary(StringComparer.OrdinalIgnoreCase);

    /// <summary>Why <paramref name="option"/> is refused at the gateway, naming it; null when it is enforced or ignored.</summary>
    public static string? Refusal(AuthorizedKeyOption option)
    {
        ArgumentNullException.ThrowIfNull(option);
        if (Refused.TryGetValue(option.Name, out var why))
        {
            return $"key option {option} is not accepted: {why}; remove it from the line";
        }
        return Enforced.Contains(option.Name) || Ignored.Contains(option.Name)
            ? null
            : $"key option {option} is not known to the gateway; remove it from the line";
    }

    /// <summary>
    /// Null when <paramref name="line"/> may be enrolled by someone who is (<paramref name="byAdmin"/>) or is not an
    /// administrator at <paramref name="now"/>; otherwise the sentence to show, naming the option and what to do.
    /// </summary>
    public static string? EnrolmentProblem(AuthorizedKeyLine line, bool byAdmin, DateTimeOffset now)
    {
        ArgumentNullException.ThrowIfNull(line);
        if (!KeyRestrictions.TryParse(line.Options, out var restrictions, out var problem))
        {
            return problem;
        }
        if (restrictions!.NoTouchRequired && !byAdmin)
        {
            // A security-key policy counts the touch as the second factor; only an administrator may waive it.
            return $"key option {NoTouchRequired} may only be set by a Bastion administrator (it removes the touch that security-key policies rely on); " +
                "remove it, or ask an administrator to add the key with bastion key add";
        }
        if (restrictions.ExpiresAt is { } expiry && expiry.At < now)
        {
            return $"key option expiry-time=\"{expiry.Text}\" is already past ({ExpiryTime.Format(expiry.At)}); the key could never log in, so give a later time";
        }
        if (restrictions.PermitOpen.Count > 0 && restrictions.PortForwardingOffBy is { } off)
        {
            return $"key option permitopen has no effect while {off} turns port forwarding off; add port-forwarding to allow the listed targets, or remove permitopen";
        }
        return null;
    }
}
