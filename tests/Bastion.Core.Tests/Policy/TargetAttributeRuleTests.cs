using Bastion.Core.Inventory;
using Bastion.Core.Policy;
using Bastion.Core.Store;
using Bastion.Core.Mfa;

namespace Bastion.Core.Tests.Policy;

/// <summary>Rules that match instances by account, region and tags, with ${user} for "my own instances".</summary>
public sealed class TargetAttributeRuleTests
{
    private static readonly DateTimeOffset Now = DateTimeOffset.Parse("2026-11-29T12:00:00Z", System.Globalization.CultureInfo.InvariantCulture);

    [Fact]
    public void Account_region_and_owner_tag_conditions_are_evaluated_on_the_instance()
    {
        var policy = new AccessPolicy(
        [
            Rule(1, "@dev", "*", AccessEffect.Allow, ("account", "dev-*"), ("tag:Owner", "${user}")),
            Rule(2, "*", "*", AccessEffect.Deny, ("region", "ap-*")),
            Rule(3, "carol", "*", AccessEffect.Allow, ("account", "111122223333")),
        ]);
        var alice = User("alice", "dev");

        Assert.True(policy.Evaluate(alice, Instance("web-1", "dev-a", "111122223333", "eu-west-1", owner: "alice")).Allowed);
        var notMine = policy.Evaluate(alice, Instance("web-2", "dev-a", "111122223333", "eu-west-1", owner: "bob"));
        Assert.False(notMine.Allowed);
        Assert.Contains("no rule lets alice reach web-2", notMine.Reason);
        Assert.False(policy.Evaluate(alice, Instance("web-3", "prod", "999988887777", "eu-west-1", owner: "alice")).Allowed);

        var denied = policy.Evaluate(alice, Instance("web-4", "dev-b", "444455556666", "ap-south-1", owner: "alice"));
        Assert.False(denied.Allowed);
        Assert.Equal(2, denied.RuleId);
        Assert.Contains("denied by rule #2", denied.Reason);

        // "account" matches the account id as well as the alias.
        Assert.True(policy.Evaluate(User("carol"), Instance("db-1", "dev-a", "111122223333", "eu-west-1", owner: "x")).Allowed);
    }

    [Fact]
    public void Static_targets_match_account_and_plain_tags()
    {
        var policy = new AccessPolicy([Rule(1, "*", "*", AccessEffect.Allow, ("account", "dev-a"), ("env", "dev"))]);
        var target = new ResolvedTarget("web-1", "10.0.0.1", 22, "dev-a", new Dictionary<string, string> { ["env"] = "dev" }, "static");
        Assert.True(policy.Evaluate(User("alice"), target).Allowed);
        Assert.False(policy.Evaluate(User("alice"), target with { Account = "prod" }).Allowed);
    }

    private static User User(string name, params string[] groups) => new(1, name, false, groups, MfaPolicies.Default, false, Now);

    private static AccessRule Rule(long id, string subject, string pattern, AccessEffect effect, params (string Key, string Value)[] conditions) =>
        new(id, subject, pattern, conditions.ToDictionary(c => c.Key, c => c.Value), effect, null, Now);

    private static ResolvedTarget Instance(string name, string alias, string accountId, string region, string owner) =>
        new(name, "10.1.2.3", 22, alias, new Dictionary<string, string> { ["Name"] = name, ["Owner"] = owner }, "ec2",
            new InstanceDetails("i-0" + name, accountId, alias, region, "vpc-1", InstanceDetails.Running, ["10.1.2.3"], null, null, Now));
}
