using Bastion.Core.Store;
using Bastion.Core.Tests.Support;
using Bastion.Core.Mfa;

namespace Bastion.Core.Tests.Store;

/// <summary>
/// Store contract for group MFA policies: written through one store instance, read through another (a second node).
/// Runs once per provider.
/// </summary>
public abstract class GroupPolicyStoreTests(StoreProvider provider)
{
    [Fact]
    public async Task Group_policies_are_set_replaced_listed_and_removed_across_nodes()
    {
        await using var fixture = await StoreFixture.CreateAsync(provider);
        var other = await fixture.OpenAnotherAsync();
        Assert.Empty(await other.ListGroupMfaPoliciesAsync());

        await fixture.Store.SetGroupMfaPolicyAsync("prod-admins", MfaPolicies.SecurityKey);
        await other.SetGroupMfaPolicyAsync("dev", MfaPolicies.KeyAndWebAuthn);
        await other.SetGroupMfaPolicyAsync("prod-admins", MfaPolicies.SecurityKeyAndTotp);

        var listed = await fixture.Store.ListGroupMfaPoliciesAsync();
        Assert.Equal(
            new Dictionary<string, string> { ["dev"] = MfaPolicies.KeyAndWebAuthn, ["prod-admins"] = MfaPolicies.SecurityKeyAndTotp },
            listed);

        Assert.True(await fixture.Store.RemoveGroupMfaPolicyAsync("prod-admins"));
        Assert.False(await other.RemoveGroupMfaPolicyAsync("prod-admins"));
        Assert.False(await other.RemoveGroupMfaPolicyAsync("never-set"));
        Assert.Equal(new Dictionary<string, string> { ["dev"] = MfaPolicies.KeyAndWebAuthn }, await other.ListGroupMfaPoliciesAsync());
    }

    [Theory]
    [InlineData(MfaPolicies.KeyOnly)]
    [InlineData("password")]
    [InlineData("SK")]
    [InlineData("")]
    public async Task A_policy_a_group_cannot_require_is_refused_and_the_stored_one_kept(string policy)
    {
        await using var fixture = await StoreFixture.CreateAsync(provider);
        await fixture.Store.SetGroupMfaPolicyAsync("ops", MfaPolicies.SecurityKey);

        var error = await Assert.ThrowsAsync<InvalidEntityException>(() => fixture.Store.SetGroupMfaPolicyAsync("ops", policy));

        Assert.Contains("key+totp", error.Message, StringComparison.Ordinal);
        Assert.Equal(new Dictionary<string, string> { ["ops"] = MfaPolicies.SecurityKey }, await fixture.Store.ListGroupMfaPoliciesAsync());
    }

    [Theory]
    [InlineData("Prod-Admins")]
    [InlineData("@ops")]
    [InlineData("1ops")]
    [InlineData("")]
    [InlineData("a23456789012345678901234567890123")]
    public async Task A_group_name_no_user_could_be_in_is_refused(string groupName)
    {
        await using var fixture = await StoreFixture.CreateAsync(provider);

        var error = await Assert.ThrowsAsync<InvalidEntityException>(() => fixture.Store.SetGroupMfaPolicyAsync(groupName, MfaPolicies.SecurityKey));

        Assert.Contains($"group name \"{groupName}\" is not valid", error.Message, StringComparison.Ordinal);
        Assert.Empty(await fixture.Store.ListGroupMfaPoliciesAsync());
        // The same name is refused as a user's group, so a policy under it could never apply to anyone.
        await Assert.ThrowsAsync<InvalidEntityException>(() => fixture.AddUserAsync("alice", groupName));
    }

    [Fact]
    public async Task Group_names_match_exactly_as_user_groups_do_so_a_policy_reaches_the_members()
    {
        await using var fixture = await StoreFixture.CreateAsync(provider);
        var other = await fixture.OpenAnotherAsync();
        await fixture.AddUserAsync("alice", "prod-admins", "dev");
        await fixture.Store.SetGroupMfaPolicyAsync("prod-admins", MfaPolicies.SecurityKey);

        // Mixed case is not another spelling of the group: it is not a group name at all, and removes nothing.
        await Assert.ThrowsAsync<InvalidEntityException>(() => other.SetGroupMfaPolicyAsync("Prod-Admins", MfaPolicies.KeyAndWebAuthn));
        Assert.False(await other.RemoveGroupMfaPolicyAsync("Prod-Admins"));

        var policies = await other.ListGroupMfaPoliciesAsync();
        Assert.Equal(["prod-admins"], policies.Keys);
        Assert.False(policies.ContainsKey("PROD-ADMINS"));
        var alice = (await other.GetUserAsync("alice"))!;
        Assert.Equal((MfaPolicies.SecurityKey, "prod-admins"), MfaPolicies.Effective(alice, policies));
    }

    [Fact]
    public async Task Nodes_setting_the_same_group_at_once_leave_one_whole_policy()
    {
        await using var fixture = await StoreFixture.CreateAsync(provider);
        var other = await fixture.OpenAnotherAsync();
        string[] choices = [MfaPolicies.KeyAndTotp, MfaPolicies.KeyAndWebAuthn, MfaPolicies.SecurityKey, MfaPolicies.SecurityKeyAndTotp];

        await Task.WhenAll(Enumerable.Range(0, 8).Select(i =>
            Task.Run(() => (i % 2 == 0 ? fixture.Store : other).SetGroupMfaPolicyAsync("ops", choices[i % choices.Length]))));

        var listed = await fixture.Store.ListGroupMfaPoliciesAsync();
        Assert.Equal(["ops"], listed.Keys);
        Assert.Contains(listed["ops"], choices);
    }
}

public sealed class GroupPolicyStoreTestsOnSqlite() : GroupPolicyStoreTests(StoreProvider.Sqlite);

public sealed class GroupPolicyStoreTestsOnPostgres() : GroupPolicyStoreTests(StoreProvider.Postgres);
