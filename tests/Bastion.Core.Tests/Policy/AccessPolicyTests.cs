using Bastion.Core.Inventory;
using Bastion.Core.Policy;
using Bastion.Core.Store;
using Bastion.Core.Tests.Support;
using Bastion.Core.Mfa;

namespace Bastion.Core.Tests.Policy;

public sealed class AccessPolicyTests
{
    private static readonly DateTimeOffset Created = DateTimeOffset.UnixEpoch;

    [Fact]
    public void A_group_rule_allows_its_members_and_names_itself()
    {
        var policy = new AccessPolicy([Rule(3, "@dev", "web-*", AccessEffect.Allow)]);

        var decision = policy.Evaluate("alice", ["dev"], Target("web-1"));

        Assert.True(decision.Allowed);
        Assert.Equal("allowed by rule #3 (@dev → web-*)", decision.Reason);
        Assert.Equal(3, decision.RuleId);
        Assert.False(policy.Evaluate("bob", ["ops"], Target("web-1")).Allowed);
    }

    [Fact]
    public void Without_a_matching_rule_access_is_denied()
    {
        var policy = new AccessPolicy([Rule(1, "@dev", "web-*", AccessEffect.Allow)]);

        var decision = policy.Evaluate("alice", ["dev"], Target("db-1"));

        Assert.False(decision.Allowed);
        Assert.Equal("no rule lets alice reach db-1", decision.Reason);
        Assert.Null(decision.RuleId);
    }

    [Fact]
    public void Deny_wins_over_allow_whatever_the_order()
    {
        var policy = new AccessPolicy(
        [
            Rule(5, "@contractors", "db-*", AccessEffect.Deny),
            Rule(1, "*", "*", AccessEffect.Allow),
            Rule(7, "bob", "db-1", AccessEffect.Allow),
        ]);

        var decision = policy.Evaluate("bob", ["contractors"], Target("db-1"));

        Assert.False(decision.Allowed);
        Assert.Equal("denied by rule #5 (@contractors → db-*)", decision.Reason);
        Assert.Equal("allowed by rule #1 (* → *)", policy.Evaluate("alice", [], Target("db-1")).Reason);
    }

    [Fact]
    public void User_subjects_match_only_that_user()
    {
        var policy = new AccessPolicy([Rule(1, "alice", "*", AccessEffect.Allow)]);
        Assert.True(policy.Evaluate("alice", [], Target("x")).Allowed);
        Assert.False(policy.Evaluate("alicia", [], Target("x")).Allowed);
    }

    [Fact]
    public void Every_required_tag_must_match()
    {
        var rule = Rule(2, "*", "*", AccessEffect.Allow, new() { ["env"] = "dev*", ["team"] = "web" });
        var policy = new AccessPolicy([rule]);

        Assert.True(policy.Evaluate("alice", [], Target("a", new() { ["env"] = "dev-b", ["team"] = "web" })).Allowed);
        Assert.False(policy.Evaluate("alice", [], Target("b", new() { ["env"] = "prod", ["team"] = "web" })).Allowed);
        Assert.False(policy.Evaluate("alice", [], Target("c", new() { ["env"] = "dev" })).Allowed);
        Assert.Equal("allowed by rule #2 (* → * where env=dev*, team=web)",
            policy.Evaluate("alice", [], Target("a", new() { ["env"] = "dev", ["team"] = "web" })).Reason);
    }

    [Fact]
    public void Disabled_users_are_denied_and_reachable_targets_are_listed()
    {
        var policy = new AccessPolicy([Rule(1, "@dev", "web-*", AccessEffect.Allow), Rule(2, "*", "web-2", AccessEffect.Deny)]);
        var alice = new User(1, "alice", false, ["dev"], MfaPolicies.Default, false, Created);
        var targets = new[] { Target("web-1"), Target("web-2"), Target("Web-3"), Target("db-1") };

        Assert.Equal(["web-1", "Web-3"], policy.ReachableTargets(alice, targets).Select(t => t.Name));
        var disabled = policy.Evaluate(alice with { Disabled = true }, targets[0]);
        Assert.False(disabled.Allowed);
        Assert.Equal("user alice is disabled", disabled.Reason);
    }

    [Fact]
    public async Task Rules_load_from_the_store()
    {
        await using var fixture = await StoreFixture.CreateAsync();
        var allow = await fixture.Store.AddAccessRuleAsync(new AccessRuleDefinition("@dev", "web-*", AccessEffect.Allow));

        var policy = await AccessPolicy.LoadAsync(fixture.Store);

        Assert.Equal($"allowed by rule #{allow.Id} (@dev → web-*)", policy.Evaluate("alice", ["dev"], Target("web-9")).Reason);
    }

    [Theory]
    [InlineData("*", "anything", true)]
    [InlineData("web-*", "WEB-12", true)]
    [InlineData("web-*", "web", false)]
    [InlineData("db-?", "db-1", true)]
    [InlineData("db-?", "db-12", false)]
    [InlineData("*-prod-*", "api-prod-3", true)]
    [InlineData("a*b*c", "aXbYbZc", true)]
    [InlineData("a*b*c", "aXbYbZ", false)]
    public void Globs_match_whole_names_case_insensitively(string pattern, string text, bool expected) =>
        Assert.Equal(expected, GlobPattern.IsMatch(pattern, text));

    private static AccessRule Rule(long id, string subject, string pattern, AccessEffect effect, Dictionary<string, string>? tags = null) =>
        new(id, subject, pattern, tags ?? [], effect, null, Created);

    private static ResolvedTarget Target(string name, Dictionary<string, string>? tags = null) =>
        new(name, "10.0.0.1", 22, null, tags ?? [], "static");
}
