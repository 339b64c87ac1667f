using Bastion.Core.Store;

namespace Bastion.Core.Policy;

/// <summary>A group as access rules (<c>@name</c>) and MFA requirements see it: its members, by name, and what it requires.</summary>
public sealed record GroupSummary(string Name, IReadOnlyList<string> Members, string? RequiredMfaPolicy)
{
    /// <summary>
    /// Every group: those users are in and those with a policy but no members yet, by name. Names compare ordinally,
    /// as the store and access rules compare them (they are lowercase only).
    /// </summary>
    public static IReadOnlyList<GroupSummary> Of(IReadOnlyList<User> users, IReadOnlyDictionary<string, string> groupPolicies) =>
        users.SelectMany(u => u.Groups).Concat(groupPolicies.Keys).Distinct(StringComparer.Ordinal).Order(StringComparer.Ordinal)
            .Select(group => new GroupSummary(group,
                users.Where(u => u.Groups.Contains(group, StringComparer.Ordinal)).Select(u => u.Name).Order(StringComparer.Ordinal).ToList(),
                groupPolicies.GetValueOrDefault(group)))
            .ToList();
}
