namespace Bastion.Core.Store;

/// <summary>One group as admins see it: its members and the MFA policy it requires (null: none).</summary>
public sealed record GroupSummary(string Name, int Members, string? RequiredMfaPolicy)
{
    /// <summary>
    /// Every group: those users are in and those with a policy but no members yet, by name. Names compare ordinally,
    /// as the store and access rules compare them (they are lowercase only).
    /// </summary>
    public static IReadOnlyList<GroupSummary> Of(IReadOnlyList<User> users, IReadOnlyDictionary<string, string> groupPolicies) =>
        users.SelectMany(u => u.Groups).Concat(groupPolicies.Keys).Distinct(StringComparer.Ordinal).Order(StringComparer.Ordinal)
            .Select(group => new GroupSummary(group, users.Count(u => u.Groups.Contains(group, StringComparer.Ordinal)), groupPolicies.GetValueOrDefault(group)))
            .ToList();
}
