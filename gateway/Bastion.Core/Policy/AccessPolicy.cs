using Bastion.Core.Inventory;
using Bastion.Core.Store;

namespace Bastion.Core.Policy;

/// <summary>
/// Decides whether a user may reach a target, from a snapshot of the access rules. A rule matches when its
/// subject covers the user, its pattern matches the target name and every required tag matches; any matching
/// deny rule wins over allow rules; with no matching rule access is denied. Immutable and thread-safe: build
/// one per decision (rules are few) with <see cref="LoadAsync"/> so that rule changes apply at once.
/// </summary>
public sealed class AccessPolicy
{
    private readonly IReadOnlyList<(AccessRule Rule, AccessSubject Subject)> _rules;

    /// <summary>Builds a policy from rules; invalid subjects are rejected with <see cref="InvalidEntityException"/>.</summary>
    public AccessPolicy(IEnumerable<AccessRule> rules)
    {
        ArgumentNullException.ThrowIfNull(rules);
        _rules = rules.OrderBy(r => r.Id).Select(r => (r, AccessSubject.Parse(r.Subject))).ToList();
    }

    /// <summary>Loads the current rules from the store.</summary>
    public static async Task<AccessPolicy> LoadAsync(IAccessRuleStore store, CancellationToken ct = default)
    {
        ArgumentNullException.ThrowIfNull(store);
        return new AccessPolicy(await store.ListAccessRulesAsync(ct).ConfigureAwait(false));
    }

    /// <summary>Decides for a stored user; a disabled user is always denied.</summary>
    public AccessDecision Evaluate(User user, ResolvedTarget target)
    {
        ArgumentNullException.ThrowIfNull(user);
        return user.Disabled
            ? new AccessDecision(false, $"user {user.Name} is disabled")
            : Evaluate(user.Name, user.Groups, target);
    }

    /// <summary>Decides for a user given by name and group names.</summary>
    public AccessDecision Evaluate(string userName, IReadOnlyCollection<string> groups, ResolvedTarget target)
    {
        ArgumentNullException.ThrowIfNull(groups);
        ArgumentNullException.ThrowIfNull(target);
        AccessRule? firstAllow = null;
        foreach (var (rule, subject) in _rules)
        {
            if (!Matches(rule, subject, userName, groups, target))
            {
                continue;
            }
            if (rule.Effect == AccessEffect.Deny)
            {
                return new AccessDecision(false, $"denied by rule #{rule.Id} ({Describe(rule)})", rule.Id);
            }
            firstAllow ??= rule;
        }
        return firstAllow is not null
            ? new AccessDecision(true, $"allowed by rule #{firstAllow.Id} ({Describe(firstAllow)})", firstAllow.Id)
            : new AccessDecision(false, $"no rule lets {userName} reach {target.Name}");
    }

    /// <summary>The targets (from <paramref name="targets"/>) this user may reach, in the given order.</summary>
    public IReadOnlyList<ResolvedTarget> ReachableTargets(User user, IEnumerable<ResolvedTarget> targets)
    {
        ArgumentNullException.ThrowIfNull(targets);
        return targets.Where(t => Evaluate(user, t).Allowed).ToList();
    }

    private static bool Matches(AccessRule rule, AccessSubject subject, string userName, IReadOnlyCollection<string> groups, ResolvedTarget target)
    {
        if (!subject.Matches(userName, groups) || !GlobPattern.IsMatch(rule.TargetPattern, target.Name))
        {
            return false;
        }
        foreach (var (key, wanted) in rule.RequiredTags)
        {
            // Values are globs, so "account=dev-*" covers dev-a and dev-b; ${user} makes "tag:Owner=${user}" personal.
            var pattern = TargetAttributes.Expand(wanted, userName);
            if (!TargetAttributes.ValuesOf(target, key).Any(actual => GlobPattern.IsMatch(pattern, actual)))
            {
                return false;
            }
        }
        return true;
    }

    private static string Describe(AccessRule rule)
    {
        var text = $"{rule.Subject} → {rule.TargetPattern}";
        if (rule.RequiredTags.Count > 0)
        {
            text += " where " + string.Join(", ", rule.RequiredTags.OrderBy(t => t.Key, StringComparer.Ordinal).Select(t => $"{t.Key}={t.Value}"));
        }
        return text;
    }
}
