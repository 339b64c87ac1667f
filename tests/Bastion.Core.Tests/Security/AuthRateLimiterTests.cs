using System.Net;
using Bastion.Core.Security;
using Bastion.Core.Tests.Support;

namespace Bastion.Core.Tests.Security;

public sealed class AuthRateLimiterTests
{
    private static readonly IPAddress Home = IPAddress.Parse("203.0.113.7");
    private readonly ManualTimeProvider _time = new();

    [Fact]
    public void Five_failures_lock_the_user_out_for_fifteen_minutes()
    {
        var limiter = new AuthRateLimiter(timeProvider: _time);
        for (var i = 0; i < 4; i++)
        {
            Assert.False(limiter.RecordFailure("alice", Home).IsLockedOut);
        }

        var status = limiter.RecordFailure("alice", Home);

        Assert.True(status.IsLockedOut);
        Assert.Equal(TimeSpan.FromMinutes(15), status.RetryAfter);
        Assert.Contains("user alice is locked out", status.Reason, StringComparison.Ordinal);
        // From any address, and whatever the case of the name.
        Assert.True(limiter.IsLockedOut("ALICE", IPAddress.Parse("198.51.100.1")).IsLockedOut);
        Assert.False(limiter.IsLockedOut("bob", Home).IsLockedOut);

        _time.Advance(TimeSpan.FromMinutes(10));
        Assert.Equal(TimeSpan.FromMinutes(5), limiter.IsLockedOut("alice", Home).RetryAfter);
        _time.Advance(TimeSpan.FromMinutes(5));
        Assert.False(limiter.IsLockedOut("alice", Home).IsLockedOut);
    }

    [Fact]
    public void Failures_older_than_the_window_do_not_count()
    {
        var limiter = new AuthRateLimiter(timeProvider: _time);
        for (var i = 0; i < 4; i++)
        {
            limiter.RecordFailure("alice", Home);
        }
        _time.Advance(TimeSpan.FromMinutes(10) + TimeSpan.FromSeconds(1));

        Assert.False(limiter.RecordFailure("alice", Home).IsLockedOut);
    }

    [Fact]
    public void Twenty_failures_from_one_address_lock_the_address_out()
    {
        var limiter = new AuthRateLimiter(timeProvider: _time);
        for (var i = 0; i < 19; i++)
        {
            Assert.False(limiter.RecordFailure($"user{i}", Home).IsLockedOut);
        }

        var status = limiter.RecordFailure("user19", Home);

        Assert.True(status.IsLockedOut);
        Assert.Contains("address 203.0.113.7", status.Reason, StringComparison.Ordinal);
        Assert.True(limiter.IsLockedOut("someone-else", Home).IsLockedOut);
        Assert.True(limiter.IsLockedOut(null, IPAddress.Parse("::ffff:203.0.113.7")).IsLockedOut);
        Assert.False(limiter.IsLockedOut("user1", IPAddress.Parse("198.51.100.1")).IsLockedOut);
    }

    [Fact]
    public void Success_clears_the_users_failures_but_not_the_addresses()
    {
        var limiter = new AuthRateLimiter(new AuthRateLimiterOptions { MaxFailuresPerAddress = 6 }, _time);
        for (var i = 0; i < 4; i++)
        {
            limiter.RecordFailure("alice", Home);
        }
        limiter.RecordSuccess("alice", Home);

        Assert.False(limiter.RecordFailure("alice", Home).IsLockedOut); // user count restarted at 1
        Assert.True(limiter.RecordFailure("alice", Home).IsLockedOut); // address reached 6
        Assert.Contains("address", limiter.IsLockedOut("alice", Home).Reason, StringComparison.Ordinal);
    }

    [Fact]
    public void Memory_is_bounded_by_forgetting_the_least_recently_seen()
    {
        var limiter = new AuthRateLimiter(new AuthRateLimiterOptions { MaxTrackedEntries = 3 }, _time);
        for (var i = 0; i < 4; i++)
        {
            limiter.RecordFailure("alice", null);
        }
        foreach (var name in new[] { "u1", "u2", "u3" })
        {
            limiter.RecordFailure(name, null);
        }

        // alice's four failures were evicted, so one more does not lock her out.
        Assert.False(limiter.RecordFailure("alice", null).IsLockedOut);
    }

    [Fact]
    public void Concurrent_failures_are_all_counted()
    {
        var limiter = new AuthRateLimiter(new AuthRateLimiterOptions { MaxFailuresPerUser = 1000, MaxFailuresPerAddress = 400 }, _time);

        Parallel.For(0, 399, i => limiter.RecordFailure($"user{i % 7}", Home));

        Assert.False(limiter.IsLockedOut(null, Home).IsLockedOut);
        Assert.True(limiter.RecordFailure("x", Home).IsLockedOut);
    }
}
