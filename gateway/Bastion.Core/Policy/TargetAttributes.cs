using Bastion.Core.Inventory;

namespace Bastion.Core.Policy;

/// <summary>
/// What an access rule's conditions can test on a target. Besides the target's own tags ("env" or "tag:env"),
/// instances expose their account ("account" matches the alias or the id), "account_id", "account_alias",
/// "region", "vpc", "instance_id" and "state"; static targets expose "account" too.
/// </summary>
public static class TargetAttributes
{
    private const string TagPrefix = "tag:";

    /// <summary>The values a condition key can match for <paramref name="target"/> (empty when it has none).</summary>
    public static IEnumerable<string> ValuesOf(ResolvedTarget target, string key)
    {
        if (key.StartsWith(TagPrefix, StringComparison.OrdinalIgnoreCase))
        {
            return Tag(target, key[TagPrefix.Length..]);
        }
        var instance = target.Instance;
        switch (key.ToLowerInvariant())
        {
            case "account":
                return instance is null
                    ? Optional(target.Account).Concat(Tag(target, key))
                    : [instance.AccountAlias, instance.AccountId];
            case "account_id" when instance is not null:
                return [instance.AccountId];
            case "account_alias" when instance is not null:
                return [instance.AccountAlias];
            case "region" when instance is not null:
                return [instance.Region];
            case "vpc" when instance is not null:
                return Optional(instance.VpcId);
            case "instance_id" when instance is not null:
                return [instance.InstanceId];
            case "state" when instance is not null:
                return [instance.State];
            default:
                return Tag(target, key);
        }
    }

    /// <summary>Replaces ${user} in a condition value, so "tag:Owner=${user}" means "the instance is mine".</summary>
    public static string Expand(string pattern, string userName) =>
        pattern.Replace("${user}", userName, StringComparison.OrdinalIgnoreCase);

    private static IEnumerable<string> Tag(ResolvedTarget target, string key)
    {
        if (target.Tags.TryGetValue(key, out var exact))
        {
            return [exact];
        }
        // Cloud tag keys are case-sensitive, but people type "owner" for "Owner".
        return target.Tags.Where(t => string.Equals(t.Key, key, StringComparison.OrdinalIgnoreCase)).Select(t => t.Value).Take(1);
    }

    private static IEnumerable<string> Optional(string? value) => value is null ? [] : [value];
}
