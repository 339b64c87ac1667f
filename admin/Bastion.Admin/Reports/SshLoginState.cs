using Bastion.Core.Mfa;
using Bastion.Core.Store;

namespace Bastion.Admin.Reports;

/// <summary>
/// Whether a person is expected to log in through the gateway at all, and if so what they still lack. Someone with
/// only web roles (admin, auditor) and no SSH key is not "missing" anything: they use the web pages, not ssh.
/// </summary>
public static class SshLoginState
{
    public const string WebOnly = "web only";

    /// <summary>
    /// The gateway does not look at roles, so anyone with an SSH key is a login to judge; without one, only people
    /// meant to use ssh (the user role, automation accounts) are.
    /// </summary>
    public static bool UsesSsh(User user, IReadOnlyCollection<string> roles, Enrolment enrolment) =>
        enrolment.KeyTypes.Count > 0 || user.IsAutomation || roles.Contains(AdminRoles.User, StringComparer.Ordinal);

    /// <summary>The Users table's "SSH login" cell: "—" (disabled), "web only", "ready" or "needs …".</summary>
    public static string Text(User user, IReadOnlyCollection<string> roles, Enrolment enrolment, IReadOnlyList<LoginRequirement> missing) =>
        user.Disabled ? "—"
        : !UsesSsh(user, roles, enrolment) ? WebOnly
        : missing.Count == 0 ? "ready"
        : "needs " + Needs(missing);

    public static string Needs(IReadOnlyList<LoginRequirement> missing) => string.Join(", ", missing.Select(LoginReadiness.Label));
}
