using Bastion.Core.Store;
using Bastion.Core.Tests.Support;
using Bastion.Core.Mfa;

namespace Bastion.Core.Tests.Store;

/// <summary>Store contract: runs once per provider (see the sealed classes at the end).</summary>
public abstract class UserStoreTests(StoreProvider provider)
{
    [Fact]
    public async Task Users_can_be_added_read_listed_updated_and_deleted()
    {
        await using var fixture = await StoreFixture.CreateAsync(provider);
        var alice = await fixture.Store.AddUserAsync(new NewUser("alice") { Groups = ["ops", "dev"] });
        await fixture.AddUserAsync("bob");

        Assert.Equal("alice", alice.Name);
        Assert.Equal(["dev", "ops"], alice.Groups);
        Assert.Equal(MfaPolicies.KeyAndTotp, alice.MfaPolicy);
        Assert.False(alice.Disabled);
        Assert.Equal(fixture.Time.GetUtcNow(), alice.CreatedAt);
        Assert.Equal(alice, (await fixture.Store.GetUserByIdAsync(alice.Id))! with { Groups = alice.Groups });
        Assert.Equal(["alice", "bob"], (await fixture.Store.ListUsersAsync()).Select(u => u.Name));
        Assert.Equal(["dev", "ops"], (await fixture.Store.ListUsersAsync())[0].Groups);

        var updated = await fixture.Store.UpdateUserAsync("alice", new UserChanges { Disabled = true, Groups = ["sre"] });
        Assert.True(updated.Disabled);
        Assert.Equal(["sre"], updated.Groups);
        Assert.Equal(MfaPolicies.KeyAndTotp, updated.MfaPolicy);

        Assert.True(await fixture.Store.DeleteUserAsync("alice"));
        Assert.False(await fixture.Store.DeleteUserAsync("alice"));
        Assert.Null(await fixture.Store.GetUserAsync("alice"));
    }

    [Theory]
    [InlineData("Alice")]
    [InlineData("1alice")]
    [InlineData("")]
    [InlineData("al ice")]
    [InlineData("a23456789012345678901234567890123")]
    public async Task Invalid_user_names_are_rejected_with_the_rule(string name)
    {
        await using var fixture = await StoreFixture.CreateAsync(provider);
        var error = await Assert.ThrowsAsync<InvalidEntityException>(() => fixture.Store.AddUserAsync(new NewUser(name)));
        Assert.Contains("lowercase letters", error.Message, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("_svc")]
    [InlineData("deploy.bot-1")]
    [InlineData("a2345678901234567890123456789012")]
    public async Task Valid_user_names_are_accepted(string name)
    {
        await using var fixture = await StoreFixture.CreateAsync(provider);
        Assert.Equal(name, (await fixture.Store.AddUserAsync(new NewUser(name))).Name);
    }

    [Fact]
    public async Task Duplicate_names_conflict()
    {
        await using var fixture = await StoreFixture.CreateAsync(provider);
        await fixture.AddUserAsync("alice");
        var error = await Assert.ThrowsAsync<StoreConflictException>(() => fixture.AddUserAsync("alice"));
        Assert.Contains("already exists", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Key_only_policy_is_for_automation_accounts_only()
    {
        await using var fixture = await StoreFixture.CreateAsync(provider);
        var error = await Assert.ThrowsAsync<InvalidEntityException>(
            () => fixture.Store.AddUserAsync(new NewUser("alice") { MfaPolicy = MfaPolicies.KeyOnly }));
        Assert.Contains("automation", error.Message, StringComparison.Ordinal);

        var bot = await fixture.Store.AddUserAsync(new NewUser("deploy") { MfaPolicy = MfaPolicies.KeyOnly, IsAutomation = true });
        Assert.True(bot.IsAutomation);
        await Assert.ThrowsAsync<InvalidEntityException>(
            () => fixture.Store.UpdateUserAsync("deploy", new UserChanges { IsAutomation = false }));
        await Assert.ThrowsAsync<InvalidEntityException>(
            () => fixture.Store.AddUserAsync(new NewUser("carol") { MfaPolicy = "password" }));
    }

    [Fact]
    public async Task Updating_an_unknown_user_says_so()
    {
        await using var fixture = await StoreFixture.CreateAsync(provider);
        var error = await Assert.ThrowsAsync<EntityNotFoundException>(() => fixture.Store.UpdateUserAsync("ghost", new UserChanges()));
        Assert.Contains("ghost", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Invalid_group_names_are_rejected()
    {
        await using var fixture = await StoreFixture.CreateAsync(provider);
        await Assert.ThrowsAsync<InvalidEntityException>(() => fixture.Store.AddUserAsync(new NewUser("alice") { Groups = ["Dev Team"] }));
    }
}

public sealed class UserStoreTestsOnSqlite() : UserStoreTests(StoreProvider.Sqlite);

public sealed class UserStoreTestsOnPostgres() : UserStoreTests(StoreProvider.Postgres);
