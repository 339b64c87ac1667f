using Bastion.Core.Store;
using Bastion.Core.Tests.Support;

namespace Bastion.Core.Tests.Store;

/// <summary>Store contract: runs once per provider (see the sealed classes at the end).</summary>
public abstract class AccessRuleStoreTests(StoreProvider provider)
{
    [Fact]
    public async Task Rules_can_be_added_listed_and_deleted()
    {
        await using var fixture = await StoreFixture.CreateAsync(provider);
        var allow = await fixture.Store.AddAccessRuleAsync(new AccessRuleDefinition("@dev", "web-*", AccessEffect.Allow)
        {
            RequiredTags = new Dictionary<string, string> { ["env"] = "dev" },
            Description = "developers reach dev web servers",
        });
        var deny = await fixture.Store.AddAccessRuleAsync(new AccessRuleDefinition("*", "db-*", AccessEffect.Deny));

        var rules = await fixture.Store.ListAccessRulesAsync();
        Assert.Equal([allow.Id, deny.Id], rules.Select(r => r.Id));
        Assert.Equal("@dev", rules[0].Subject);
        Assert.Equal("dev", rules[0].RequiredTags["env"]);
        Assert.Equal("developers reach dev web servers", rules[0].Description);
        Assert.Equal(AccessEffect.Deny, rules[1].Effect);
        Assert.Equal(fixture.Time.GetUtcNow(), rules[1].CreatedAt);

        Assert.True(await fixture.Store.DeleteAccessRuleAsync(allow.Id));
        Assert.False(await fixture.Store.DeleteAccessRuleAsync(allow.Id));
        Assert.Single(await fixture.Store.ListAccessRulesAsync());
    }

    [Theory]
    [InlineData("@", "web-*")]
    [InlineData("Alice", "web-*")]
    [InlineData("alice", "")]
    [InlineData("alice", "web/*")]
    public async Task Invalid_rules_are_rejected(string subject, string pattern)
    {
        await using var fixture = await StoreFixture.CreateAsync(provider);
        await Assert.ThrowsAsync<InvalidEntityException>(
            () => fixture.Store.AddAccessRuleAsync(new AccessRuleDefinition(subject, pattern, AccessEffect.Allow)));
    }
}

public sealed class AccessRuleStoreTestsOnSqlite() : AccessRuleStoreTests(StoreProvider.Sqlite);

public sealed class AccessRuleStoreTestsOnPostgres() : AccessRuleStoreTests(StoreProvider.Postgres);
