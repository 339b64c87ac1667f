using System.Security.Cryptography;
using Bastion.Core.Store;
using Bastion.Core.Tests.Support;

namespace Bastion.Core.Tests.Store;

/// <summary>Store contract for admin-web sessions: runs once per provider (see the sealed classes at the end).</summary>
public abstract class WebSessionStoreTests(StoreProvider provider)
{
    private static readonly TimeSpan Idle = TimeSpan.FromMinutes(30);

    [Fact]
    public async Task A_session_is_found_by_its_token_hash_only_and_ends_by_lifetime_or_idleness()
    {
        await using var fixture = await StoreFixture.CreateAsync(provider);
        var alice = await fixture.AddUserAsync("alice");
        var start = fixture.Time.GetUtcNow();
        var hash = SHA256.HashData(RandomNumberGenerator.GetBytes(32));

        var created = await fixture.Store.CreateWebSessionAsync(new NewWebSession(alice.Id, hash, start.AddHours(12), "127.0.0.1"));
        var other = await fixture.OpenAnotherAsync();
        var found = await other.FindWebSessionAsync(hash);

        Assert.NotNull(found);
        Assert.Equal(created, found);
        Assert.Equal(alice.Id, found.UserId);
        Assert.Equal(start, found.CreatedAt);
        Assert.Equal(start, found.LastSeenAt);
        Assert.Equal(start, found.VerifiedAt); // the sign-in is the first WebAuthn assertion
        Assert.Equal(start.AddHours(12), found.ExpiresAt);
        Assert.Null(found.RevokedAt);
        Assert.Equal("127.0.0.1", found.SourceAddress);
        Assert.Null(await other.FindWebSessionAsync(SHA256.HashData(hash)));

        // Idle: 29 minutes without a request is fine, a touch restarts the count, 30 minutes ends it.
        fixture.Time.Advance(TimeSpan.FromMinutes(29));
        Assert.Null(found.EndAt(fixture.Time.GetUtcNow(), Idle));
        Assert.True(await other.TouchWebSessionAsync(found.Id));
        fixture.Time.Advance(TimeSpan.FromMinutes(29));
        var touched = (await fixture.Store.FindWebSessionAsync(hash))!;
        Assert.Equal(start.AddMinutes(29), touched.LastSeenAt);
        Assert.Null(touched.EndAt(fixture.Time.GetUtcNow(), Idle));
        fixture.Time.Advance(TimeSpan.FromMinutes(1));
        Assert.Equal(WebSessionEnd.Idle, touched.EndAt(fixture.Time.GetUtcNow(), Idle));

        // Lifetime: however active, the session ends at ExpiresAt.
        Assert.Equal(WebSessionEnd.Expired, touched.EndAt(start.AddHours(12), TimeSpan.FromDays(1)));
    }

    [Fact]
    public async Task Step_up_is_stamped_on_the_session_and_not_after_revocation()
    {
        await using var fixture = await StoreFixture.CreateAsync(provider);
        var alice = await fixture.AddUserAsync("alice");
        var hash = RandomNumberGenerator.GetBytes(32);
        var session = await fixture.Store.CreateWebSessionAsync(new NewWebSession(alice.Id, hash, fixture.Time.GetUtcNow().AddHours(1), ""));

        fixture.Time.Advance(TimeSpan.FromMinutes(6));
        Assert.True(await fixture.Store.RecordWebSessionVerifiedAsync(session.Id));
        Assert.Equal(fixture.Time.GetUtcNow(), (await fixture.Store.FindWebSessionAsync(hash))!.VerifiedAt);

        var other = await fixture.OpenAnotherAsync();
        Assert.True(await other.RevokeWebSessionAsync(session.Id));
        Assert.False(await fixture.Store.RevokeWebSessionAsync(session.Id)); // revoked once
        fixture.Time.Advance(TimeSpan.FromMinutes(1));
        // A step-up or a request racing the sign-out on another process does not bring the session back.
        Assert.False(await fixture.Store.RecordWebSessionVerifiedAsync(session.Id));
        Assert.False(await fixture.Store.TouchWebSessionAsync(session.Id));
        var revoked = (await fixture.Store.FindWebSessionAsync(hash))!;
        Assert.Equal(fixture.Time.GetUtcNow().AddMinutes(-1), revoked.RevokedAt);
        Assert.Equal(WebSessionEnd.Revoked, revoked.EndAt(fixture.Time.GetUtcNow(), Idle));
        Assert.False(await fixture.Store.TouchWebSessionAsync(9999));
    }

    [Fact]
    public async Task Sign_out_everywhere_revokes_every_open_session_of_that_user_only()
    {
        await using var fixture = await StoreFixture.CreateAsync(provider);
        var alice = await fixture.AddUserAsync("alice");
        var bob = await fixture.AddUserAsync("bob");
        var expires = fixture.Time.GetUtcNow().AddHours(1);
        var laptop = await fixture.Store.CreateWebSessionAsync(new NewWebSession(alice.Id, RandomNumberGenerator.GetBytes(32), expires, ""));
        var phone = await fixture.Store.CreateWebSessionAsync(new NewWebSession(alice.Id, RandomNumberGenerator.GetBytes(32), expires, ""));
        var old = await fixture.Store.CreateWebSessionAsync(new NewWebSession(alice.Id, RandomNumberGenerator.GetBytes(32), expires, ""));
        var bobs = await fixture.Store.CreateWebSessionAsync(new NewWebSession(bob.Id, RandomNumberGenerator.GetBytes(32), expires, ""));
        await fixture.Store.RevokeWebSessionAsync(old.Id);

        var other = await fixture.OpenAnotherAsync();
        Assert.Equal(2, await other.RevokeWebSessionsOfUserAsync(alice.Id));
        Assert.Equal(0, await other.RevokeWebSessionsOfUserAsync(alice.Id));
        Assert.False(await fixture.Store.TouchWebSessionAsync(laptop.Id));
        Assert.False(await fixture.Store.TouchWebSessionAsync(phone.Id));
        Assert.True(await fixture.Store.TouchWebSessionAsync(bobs.Id));
    }

    [Fact]
    public async Task Ended_sessions_are_deleted_and_a_deleted_user_takes_theirs_along()
    {
        await using var fixture = await StoreFixture.CreateAsync(provider);
        var alice = await fixture.AddUserAsync("alice");
        var bob = await fixture.AddUserAsync("bob");
        var now = fixture.Time.GetUtcNow();
        var expired = RandomNumberGenerator.GetBytes(32);
        var revoked = RandomNumberGenerator.GetBytes(32);
        var open = RandomNumberGenerator.GetBytes(32);
        var bobs = RandomNumberGenerator.GetBytes(32);
        await fixture.Store.CreateWebSessionAsync(new NewWebSession(alice.Id, expired, now.AddHours(1), ""));
        var toRevoke = await fixture.Store.CreateWebSessionAsync(new NewWebSession(alice.Id, revoked, now.AddHours(12), ""));
        await fixture.Store.RevokeWebSessionAsync(toRevoke.Id);
        await fixture.Store.CreateWebSessionAsync(new NewWebSession(alice.Id, open, now.AddHours(12), ""));
        await fixture.Store.CreateWebSessionAsync(new NewWebSession(bob.Id, bobs, now.AddHours(12), ""));

        Assert.Equal(2, await fixture.Store.DeleteWebSessionsEndedBeforeAsync(now.AddHours(2)));
        Assert.Null(await fixture.Store.FindWebSessionAsync(expired));
        Assert.Null(await fixture.Store.FindWebSessionAsync(revoked));
        Assert.NotNull(await fixture.Store.FindWebSessionAsync(open));

        await fixture.Store.DeleteUserAsync("bob");
        Assert.Null(await fixture.Store.FindWebSessionAsync(bobs));
        await Assert.ThrowsAsync<EntityNotFoundException>(() =>
            fixture.Store.CreateWebSessionAsync(new NewWebSession(bob.Id, RandomNumberGenerator.GetBytes(32), now.AddHours(1), "")));
    }
}

public sealed class WebSessionStoreTestsOnSqlite() : WebSessionStoreTests(StoreProvider.Sqlite);

public sealed class WebSessionStoreTestsOnPostgres() : WebSessionStoreTests(StoreProvider.Postgres);
