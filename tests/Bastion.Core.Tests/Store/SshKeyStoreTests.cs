using Bastion.Core.Keys;
using Bastion.Core.Store;
using Bastion.Core.Tests.Support;

namespace Bastion.Core.Tests.Store;

/// <summary>Store contract: runs once per provider (see the sealed classes at the end).</summary>
public abstract class SshKeyStoreTests(StoreProvider provider)
{
    [Fact]
    public async Task Keys_can_be_added_listed_found_used_and_removed()
    {
        await using var fixture = await StoreFixture.CreateAsync(provider);
        await fixture.AddUserAsync("alice");
        var line = AuthorizedKeyLine.Parse("no-pty " + SshKeygen.Generate(fixture.Directory, "ed25519", comment: "alice@laptop"));

        var key = await fixture.Store.AddSshKeyAsync("alice", line);
        Assert.Equal("ssh-ed25519", key.KeyType);
        Assert.Equal(line.Fingerprint, key.Fingerprint);
        Assert.Equal("alice@laptop", key.Comment);
        Assert.Equal("no-pty", key.Options);
        Assert.Equal(line.Key.Blob, key.PublicKeyBlob);
        Assert.Null(key.LastUsedAt);
        Assert.Equal(line.ToString(), key.ToAuthorizedKeyLine().ToString());

        Assert.Single(await fixture.Store.ListSshKeysAsync("alice"));
        var found = await fixture.Store.FindSshKeyAsync(line.Fingerprint);
        Assert.Equal(key.Id, found!.Id);

        fixture.Time.Advance(TimeSpan.FromHours(1));
        await fixture.Store.RecordSshKeyUsedAsync(key.Id);
        Assert.Equal(fixture.Time.GetUtcNow(), (await fixture.Store.FindSshKeyAsync(line.Fingerprint))!.LastUsedAt);

        Assert.False(await fixture.Store.RemoveSshKeyAsync("bob", line.Fingerprint));
        Assert.True(await fixture.Store.RemoveSshKeyAsync("alice", line.Fingerprint));
        Assert.Empty(await fixture.Store.ListSshKeysAsync("alice"));
        Assert.Null(await fixture.Store.FindSshKeyAsync(line.Fingerprint));
    }

    [Fact]
    public async Task A_key_belongs_to_one_user_only()
    {
        await using var fixture = await StoreFixture.CreateAsync(provider);
        await fixture.AddUserAsync("alice");
        await fixture.AddUserAsync("bob");
        var line = AuthorizedKeyLine.Parse(SshKeygen.Generate(fixture.Directory, "ed25519"));
        await fixture.Store.AddSshKeyAsync("alice", line);

        var again = await Assert.ThrowsAsync<StoreConflictException>(() => fixture.Store.AddSshKeyAsync("alice", line));
        Assert.Contains("already has key", again.Message, StringComparison.Ordinal);

        var other = await Assert.ThrowsAsync<StoreConflictException>(() => fixture.Store.AddSshKeyAsync("bob", line));
        Assert.Contains("already registered to user alice", other.Message, StringComparison.Ordinal);
        Assert.Contains("bob needs their own key", other.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Adding_a_key_to_an_unknown_user_says_to_add_the_user()
    {
        await using var fixture = await StoreFixture.CreateAsync(provider);
        var line = AuthorizedKeyLine.Parse(SshKeygen.Generate(fixture.Directory, "ed25519"));
        var error = await Assert.ThrowsAsync<EntityNotFoundException>(() => fixture.Store.AddSshKeyAsync("ghost", line));
        Assert.Contains("add the user", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Deleting_a_user_deletes_their_keys()
    {
        await using var fixture = await StoreFixture.CreateAsync(provider);
        await fixture.AddUserAsync("alice");
        var line = AuthorizedKeyLine.Parse(SshKeygen.Generate(fixture.Directory, "ed25519"));
        await fixture.Store.AddSshKeyAsync("alice", line);

        await fixture.Store.DeleteUserAsync("alice");

        Assert.Null(await fixture.Store.FindSshKeyAsync(line.Fingerprint));
    }

    [Fact]
    public async Task A_key_remembers_who_enrolled_it_and_whether_an_admin_did()
    {
        await using var fixture = await StoreFixture.CreateAsync(provider);
        await fixture.AddUserAsync("alice");
        var byAdmin = AuthorizedKeyLine.Parse(SshKeygen.Generate(fixture.Directory, "ed25519"));
        var byOwner = AuthorizedKeyLine.Parse(SshKeygen.Generate(fixture.Directory, "ed25519"));
        var byNobody = AuthorizedKeyLine.Parse(SshKeygen.Generate(fixture.Directory, "ed25519"));

        var added = await fixture.Store.AddSshKeyAsync("alice", byAdmin, new KeyEnroller("cli:root", IsAdmin: true));
        await fixture.Store.AddSshKeyAsync("alice", byOwner, new KeyEnroller("web:alice", IsAdmin: false));
        await fixture.Store.AddSshKeyAsync("alice", byNobody);

        Assert.Equal(("cli:root", true), (added.AddedBy, added.AddedByAdmin));
        var found = await fixture.Store.FindSshKeyAsync(byOwner.Fingerprint);
        Assert.Equal(("web:alice", false), (found!.AddedBy, found.AddedByAdmin));
        // Unknown (a key from before this was recorded) reads as not enrolled by an administrator.
        Assert.Equal([("cli:root", true), ("web:alice", false), (null, false)],
            (await fixture.Store.ListSshKeysAsync("alice")).Select(k => (k.AddedBy, k.AddedByAdmin)));
    }
}

public sealed class SshKeyStoreTestsOnSqlite() : SshKeyStoreTests(StoreProvider.Sqlite);

public sealed class SshKeyStoreTestsOnPostgres() : SshKeyStoreTests(StoreProvider.Postgres);
