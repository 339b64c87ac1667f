namespace Bastion.Core.Store;

/// <summary>
/// Roles in the admin web app. A person may hold several: <see cref="Admin"/> manages users, groups, access rules
/// and targets; <see cref="Auditor"/> reads the audit trail and sessions; <see cref="User"/> manages their own SSH
/// keys, TOTP and security keys. Every role may manage its own web-login security keys.
/// </summary>
public static class AdminRoles
{
    public const string Admin = "admin";
    public const string Auditor = "auditor";
    public const string User = "user";

    public static IReadOnlyList<string> All { get; } = [Admin, Auditor, User];

    public static bool IsValid(string? role) => role is not null && All.Contains(role, StringComparer.Ordinal);

    /// <summary>Throws <see cref="InvalidEntityException"/> for a role that is not one of <see cref="All"/>.</summary>
    public static void EnsureValid(string? role)
    {
        if (!IsValid(role))
        {
            throw new InvalidEntityException($"role \"{role}\" is not known; use one of {string.Join(", ", All)}");
        }
    }
}
