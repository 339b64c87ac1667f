using System.Net;
using Bastion.Core.Security;
using Bastion.Core.Tests.Support;

namespace Bastion.Core.Tests.Security;

/// <summary>The rate limiter over a real SQLite store, on a manual clock.</summary>
public sealed class AuthRateLimiterTests : IAsyncLifetime
{
    private static readonly IPAddress Home = IPAddress.Parse("203.0.113.7");
    private StoreFixture _fixture = null!;

    private ManualTimeProvider Time => _fixture.Time;

    public async Task InitializeAsync() => _fixture = await StoreFixture.CreateAsync();

    public async Task DisposeAsync() => await _fixture.DisposeAsync();

    private AuthRateLimiter Limiter(AuthRateLimiterOptions? options = null) => new(_fixture.Store, options, Time);

    [Fact]
    public async Task Five_failures_lock_the_user_out_for_fifteen_minutes_from_every_address()
    {
        var limiter = Limiter();
        for (var i = 0; i < 4; i++)
        {
            Assert.False((await limiter.RecordFailureAsync("alice", Home)).Status.IsLockedOut);
        }

        var fifth = await limiter.RecordFailureAsync("alice", Home);

        Assert.True(fifth.Status.IsLockedOut);
        Assert.Equal(TimeSpan.FromMinutes(15), fifth.Status.RetryAfter);
        Assert.Contains("user alice is locked out", fifth.Status.Reason, StringComparison.Ordinal);
        var started = Assert.Single(fifth.Started);
        Assert.Equal(("user", "alice", 1), (started.Kind, started.Subject, started.Number));
        // From any address, and whatever the case of the name; known here without asking the store.
        Assert.True(limiter.KnownLockout("ALICE", IPAddress.Parse("198.51.100.1")).IsLockedOut);
        Assert.False((await limiter.CheckAsync("bob", Home)).IsLockedOut);

        Time.Advance(TimeSpan.FromMinutes(10));
        Assert.Equal(TimeSpan.FromMinutes(5), (await limiter.CheckAsync("alice", Home)).RetryAfter);
        Time.Advance(TimeSpan.FromMinutes(5));
        Assert.False((await limiter.CheckAsync("alice", Home)).IsLockedOut);
    }

    [Fact]
    public async Task Guessing_just_under_the_threshold_does_not_escape_the_daily_user_window()
    {
        var limiter = Limiter();
        for (var i = 0; i < 4; i++)
        {
            await limiter.RecordFailureAsync("alice", IPAddress.Parse($"198.51.100.{i + 1}"));
            Time.Advance(TimeSpan.FromHours(5)); // four guesses spread over 20 hours, each from another address
        }

        Assert.True((await limiter.RecordFailureAsync("alice", IPAddress.Parse("198.51.100.9"))).Status.IsLockedOut);
    }

    [Fact]
    public async Task Repeated_lockouts_of_a_user_double_up_to_a_day_and_start_over_after_a_quiet_week()
    {
        var limiter = Limiter();
        var lengths = new List<double>();
        for (var lockout = 1; lockout <= 10; lockout++)
        {
            FailureRecorded result = null!;
            for (var i = 0; i < 5; i++)
            {
                result = await limiter.RecordFailureAsync("carol", IPAddress.Parse($"192.0.2.{lockout}"));
            }
            var started = Assert.Single(result.Started);
            Assert.Equal(lockout, started.Number);
            lengths.Add(started.RetryAfter.TotalMinutes);
            Time.Advance(started.RetryAfter); // the next guesses come as soon as it ends
        }
        Assert.Equal([15, 30, 60, 120, 240, 480, 960, 1440, 1440, 1440], lengths);

        Time.Advance(TimeSpan.FromDays(7) + TimeSpan.FromMinutes(1));
        FailureRecorded fresh = null!;
        for (var i = 0; i < 5; i++)
        {
            fresh = await limiter.RecordFailureAsync("carol", Home);
        }
        Assert.Equal((1, TimeSpan.FromMinutes(15)), (fresh.Status.Number, fresh.Status.RetryAfter));
    }

    [Fact]
    public async Task Twenty_failures_from_one_address_lock_the_address_out_and_it_does_not_grow()
    {
        var limiter = Limiter();
        for (var round = 0; round < 2; round++)
        {
            for (var i = 0; i < 19; i++)
            {
                Assert.False((await limiter.RecordFailureAsync($"user{i}", Home, countsForUser: false)).Status.IsLockedOut);
            }

            var twentieth = await limiter.RecordFailureAsync("user19", Home, countsForUser: false);

            Assert.True(twentieth.Status.IsLockedOut);
            Assert.Equal(TimeSpan.FromMinutes(15), twentieth.Status.RetryAfter);
            Assert.Contains("address 203.0.113.7", twentieth.Status.Reason, StringComparison.Ordinal);
            Assert.Equal("address", Assert.Single(twentieth.Started).Kind);
            Assert.True(limiter.KnownLockout("someone-else", Home).IsLockedOut);
            Assert.True((await limiter.CheckAsync(null, IPAddress.Parse("::ffff:203.0.113.7"))).IsLockedOut);
            Assert.False((await limiter.CheckAsync("user1", IPAddress.Parse("198.51.100.1"))).IsLockedOut);
            Time.Advance(TimeSpan.FromMinutes(15));
        }
    }

    [Fact]
    public async Task IPv6_addresses_count_per_64()
    {
        var limiter = Limiter(new AuthRateLimiterOptions { MaxFailuresPerAddress = 3 });
        await limiter.RecordFailureAsync("a", IPAddress.Parse("2001:db8:1:2::1"), countsForUser: false);
        await limiter.RecordFailureAsync("b", IPAddress.Parse("2001:db8:1:2:ffff::9"), countsForUser: false);

        var third = await limiter.RecordFailureAsync("c", IPAddress.Parse("2001:db8:1:2:abcd:1:2:3"), countsForUser: false);

        Assert.True(third.Status.IsLockedOut);
        Assert.Equal("2001:db8:1:2::/64", third.Status.Subject);
        Assert.True((await limiter.CheckAsync(null, IPAddress.Parse("2001:db8:1:2::77"))).IsLockedOut);
        Assert.False((await limiter.CheckAsync(null, IPAddress.Parse("2001:db8:1:3::1"))).IsLockedOut);
    }

    [Fact]
    public async Task Probes_never_lock_the_user_and_a_login_forgives_its_own_probes_but_not_the_users_count()
    {
        var limiter = Limiter(new AuthRateLimiterOptions { MaxFailuresPerAddress = 6 });
        for (var i = 0; i < 4; i++)
        {
            await limiter.RecordFailureAsync("alice", Home, countsForUser: true);
        }
        // The connection's four failures were alice's own keys: the login forgives them for the address.
        await limiter.ForgiveAsync(Home, 4);
        for (var i = 0; i < 5; i++)
        {
            Assert.False((await limiter.RecordFailureAsync("alice", Home, countsForUser: false)).Status.IsLockedOut);
        }

        // The user's four stand: one more real failure locks alice (the address has 5 of its 6).
        var fifth = await limiter.RecordFailureAsync("alice", Home, countsForUser: true);
        Assert.True(fifth.Status.IsLockedOut);
        Assert.Equal(2, fifth.Started.Count); // both reached their threshold with this one failure
        Assert.Equal("address", fifth.Status.Kind); // the address is reported first
    }

    [Fact]
    public async Task Two_nodes_count_together_and_each_enforces_the_others_lockout()
    {
        var nodeA = Limiter();
        var nodeB = new AuthRateLimiter(await _fixture.OpenAnotherAsync(), null, Time);
        for (var i = 0; i < 4; i++)
        {
            await (i % 2 == 0 ? nodeA : nodeB).RecordFailureAsync("dave", IPAddress.Parse($"198.51.100.{i + 1}"));
        }

        var fifth = await nodeB.RecordFailureAsync("dave", IPAddress.Parse("198.51.100.5"));

        Assert.Single(fifth.Started);
        Assert.False(nodeA.KnownLockout("dave", null).IsLockedOut); // node a has not heard yet …
        Assert.True((await nodeA.CheckAsync("dave", null)).IsLockedOut); // … the store tells it
        Assert.True(nodeA.KnownLockout("dave", null).IsLockedOut);
        Assert.Empty((await nodeA.RecordFailureAsync("dave", Home)).Started); // started once, by node b
    }

    [Fact]
    public async Task A_flood_of_names_neither_grows_memory_past_the_cap_nor_lifts_a_lockout()
    {
        var limiter = Limiter(new AuthRateLimiterOptions { MaxFailuresPerUser = 1, MaxFailuresPerAddress = 100_000, MaxCachedLockouts = 3 });
        await limiter.RecordFailureAsync("victim", Home);

        for (var i = 0; i < 200; i++)
        {
            await limiter.RecordFailureAsync($"junk{i}", IPAddress.Parse($"10.0.{i / 250}.{i % 250}"));
        }

        Assert.True(limiter.KnownLockoutCount <= 3, $"{limiter.KnownLockoutCount} lockouts remembered");
        Assert.True((await limiter.CheckAsync("victim", IPAddress.Parse("198.51.100.1"))).IsLockedOut);
        Assert.Equal(201, (await _fixture.Store.ListAuthLockoutsAsync(Time.GetUtcNow())).Count);
    }

    [Fact]
    public async Task Concurrent_failures_are_all_counted()
    {
        var limiter = Limiter(new AuthRateLimiterOptions { MaxFailuresPerUser = 1000, MaxFailuresPerAddress = 400 });

        await Parallel.ForAsync(0, 399, async (i, _) => await limiter.RecordFailureAsync($"user{i % 7}", Home));

        Assert.False((await limiter.CheckAsync(null, Home)).IsLockedOut);
        Assert.True((await limiter.RecordFailureAsync("x", Home)).Status.IsLockedOut);
    }

    [Fact]
    public async Task A_reload_keeps_counts_and_lockouts()
    {
        var limiter = Limiter();
        for (var i = 0; i < 3; i++)
        {
            await limiter.RecordFailureAsync("erin", Home);
        }

        limiter.Reconfigure(new AuthRateLimiterOptions { MaxFailuresPerUser = 4 });

        Assert.True((await limiter.RecordFailureAsync("erin", Home)).Status.IsLockedOut);
    }
}
