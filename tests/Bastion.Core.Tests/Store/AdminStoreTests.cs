using Bastion.Core.Store;
using Bastion.Core.Tests.Support;

namespace Bastion.Core.Tests.Store;

/// <summary>Store contract for the admin web: roles, single-use invites and WebAuthn credential counters.</summary>
/// <summary>Store contract: runs once per provider (see the sealed classes at the end).</summary>
public abstract class AdminStoreTests(StoreProvider provider)
{
    [Fact]
    public async Task Roles_replace_and_an_invite_redeems_once_across_store_instances()
    {
        await using var fixture = await StoreFixture.CreateAsync(provider);
        var alice = await fixture.AddUserAsync("alice");
        await fixture.Store.SetRolesAsync(alice.Id, [AdminRoles.Admin, AdminRoles.Auditor]);
        await fixture.Store.SetRolesAsync(alice.Id, [AdminRoles.Auditor]);
        Assert.Equal([AdminRoles.Auditor], await fixture.Store.GetRolesAsync(alice.Id));

        var (token, invite) = await InviteTokens.IssueAsync(fixture.Store, alice, TimeSpan.FromHours(1), fixture.Time.GetUtcNow(), "test");
        var found = await fixture.Store.FindInviteAsync(InviteTokens.Hash(token));
        Assert.Equal(invite.Id, found!.Id);
        Assert.True(found.IsOpenAt(fixture.Time.GetUtcNow()));
        Assert.Null(await fixture.Store.FindInviteAsync(InviteTokens.Hash(token + "x")));

        var other = await fixture.OpenAnotherAsync();
        Assert.True(await fixture.Store.TryRedeemInviteAsync(invite.Id));
        Assert.False(await other.TryRedeemInviteAsync(invite.Id));
        Assert.False((await other.FindInviteAsync(InviteTokens.Hash(token)))!.IsOpenAt(fixture.Time.GetUtcNow()));
    }

    [Fact]
    public async Task Open_invites_are_those_neither_used_nor_expired_soonest_first()
    {
        await using var fixture = await StoreFixture.CreateAsync(provider);
        var alice = await fixture.AddUserAsync("alice");
        var bob = await fixture.AddUserAsync("bob");
        var carol = await fixture.AddUserAsync("carol");
        var now = fixture.Time.GetUtcNow();
        await InviteTokens.IssueAsync(fixture.Store, bob, TimeSpan.FromHours(2), now, "root");
        await InviteTokens.IssueAsync(fixture.Store, alice, TimeSpan.FromHours(1), now, "root");
        var (_, used) = await InviteTokens.IssueAsync(fixture.Store, carol, TimeSpan.FromHours(3), now, "root");
        Assert.True(await fixture.Store.TryRedeemInviteAsync(used.Id));

        Assert.Equal([alice.Id, bob.Id], (await fixture.Store.ListOpenInvitesAsync()).Select(i => i.UserId));
        fixture.Time.Advance(TimeSpan.FromMinutes(90));
        var open = Assert.Single(await fixture.Store.ListOpenInvitesAsync());
        Assert.Equal((bob.Id, "root"), (open.UserId, open.CreatedBy));
    }

    [Fact]
    public async Task A_webauthn_counter_must_increase_and_the_credential_can_be_removed()
    {
        await using var fixture = await StoreFixture.CreateAsync(provider);
        var alice = await fixture.AddUserAsync("alice");
        var credential = await fixture.Store.AddWebAuthnCredentialAsync(new NewWebAuthnCredential(alice.Id, [1, 2, 3, 4], [9, 9, 9], 5, "yubikey"));

        Assert.True(await fixture.Store.TryRecordWebAuthnUseAsync(credential.Id, 6));
        Assert.False(await fixture.Store.TryRecordWebAuthnUseAsync(credential.Id, 6));
        Assert.False(await fixture.Store.TryRecordWebAuthnUseAsync(credential.Id, 2));
        Assert.Equal(6, (await fixture.Store.FindWebAuthnCredentialAsync([1, 2, 3, 4]))!.SignatureCounter);

        Assert.False(await fixture.Store.RemoveWebAuthnCredentialAsync(alice.Id + 1, credential.Id));
        Assert.True(await fixture.Store.RemoveWebAuthnCredentialAsync(alice.Id, credential.Id));
        Assert.Empty(await fixture.Store.ListWebAuthnCredentialsAsync(alice.Id));
    }
}

public sealed class AdminStoreTestsOnSqlite() : AdminStoreTests(StoreProvider.Sqlite);

public sealed class AdminStoreTestsOnPostgres() : AdminStoreTests(StoreProvider.Postgres);
