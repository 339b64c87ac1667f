using Bastion.Core.Policy;

namespace Bastion.Core.Store;

/// <summary>Whether a matching access rule lets the subject in or keeps it out. Deny wins over allow.</summary>
public enum AccessEffect
{
    Allow,
    Deny,
}

/// <summary>One line of access policy: who (<see cref="Subject"/>) may or may not reach which targets.</summary>
/// <param name="Subject">"alice" (a user), "@dev" (members of group dev) or "*" (everyone).</param>
/// <param name="TargetPattern">Glob over target names, case-insensitive: "*", "web-*", "db-?".</param>
/// <param name="RequiredTags">Every listed tag must be present on the target with a value matching the glob.</param>
public sealed record AccessRule(
    long Id,
    string Subject,
    string TargetPattern,
    IReadOnlyDictionary<string, string> RequiredTags,
    AccessEffect Effect,
    string? Description,
    DateTimeOffset CreatedAt);

/// <summary>What is needed to add an access rule.</summary>
public sealed record AccessRuleDefinition(string Subject, string TargetPattern, AccessEffect Effect)
{
    public IReadOnlyDictionary<string, string> RequiredTags { get; init; } = new Dictionary<string, string>();

    public string? Description { get; init; }

    /// <summary>Throws <see cref="InvalidEntityException"/> describing the first problem found.</summary>
    public void Validate()
    {
        AccessSubject.Parse(Subject);
        if (!GlobPattern.IsValid(TargetPattern))
        {
            throw new InvalidEntityException(
                $"target pattern \"{TargetPattern}\" is not valid; use target-name characters with '*' and '?' wildcards, e.g. web-*");
        }
        if (!Enum.IsDefined(Effect))
        {
            throw new InvalidEntityException($"effect {Effect} is not valid; use allow or deny");
        }
        TagRules.EnsureValid(RequiredTags, $"rule for {Subject} → {TargetPattern}");
    }
}
