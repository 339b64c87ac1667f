using System.Net;
using Bastion.Gateway.Inventory.Dns;
using Microsoft.Extensions.Time.Testing;

namespace Bastion.Gateway.Tests.Inventory.Dns;

/// <summary>The per-source token buckets, on a clock the test moves.</summary>
public sealed class DnsResponseRateLimiterTests
{
    private static readonly IPAddress Client = IPAddress.Parse("192.0.2.10");

    private readonly FakeTimeProvider _time = new(new DateTimeOffset(2026, 3, 1, 9, 0, 0, TimeSpan.Zero));

    [Fact]
    public void A_source_gets_its_burst_then_one_response_per_refilled_token()
    {
        var limiter = new DnsResponseRateLimiter(perSecond: 2, burst: 5, maxSources: 16, _time);

        Assert.Equal(5, Takes(limiter, Client, 20));

        _time.Advance(TimeSpan.FromMilliseconds(400)); // 0.8 of a token: not yet one
        Assert.False(limiter.TryTake(Client));
        _time.Advance(TimeSpan.FromMilliseconds(100));
        Assert.True(limiter.TryTake(Client));
        Assert.False(limiter.TryTake(Client));

        _time.Advance(TimeSpan.FromMinutes(10)); // refills to the burst, no further
        Assert.Equal(5, Takes(limiter, Client, 20));
    }

    [Fact]
    public void Sources_are_limited_apart_ipv6_per_64_and_mapped_ipv4_as_ipv4()
    {
        var limiter = new DnsResponseRateLimiter(perSecond: 1, burst: 2, maxSources: 16, _time);

        Assert.Equal(2, Takes(limiter, IPAddress.Parse("192.0.2.10"), 5));
        Assert.Equal(0, Takes(limiter, IPAddress.Parse("::ffff:192.0.2.10"), 5));
        Assert.Equal(2, Takes(limiter, IPAddress.Parse("192.0.2.11"), 5));

        Assert.Equal(2, Takes(limiter, IPAddress.Parse("2001:db8:1:2::1"), 5));
        Assert.Equal(0, Takes(limiter, IPAddress.Parse("2001:db8:1:2:ffff:ffff:ffff:ffff"), 5)); // same /64
        Assert.Equal(2, Takes(limiter, IPAddress.Parse("2001:db8:1:3::1"), 5));
    }

    [Fact]
    public void Spraying_sources_keeps_the_table_bounded_and_cannot_flush_a_limited_source()
    {
        var limiter = new DnsResponseRateLimiter(perSecond: 1, burst: 3, maxSources: 64, _time);
        Assert.Equal(3, Takes(limiter, Client, 10));

        var admitted = 0;
        for (var round = 0; round < 25; round++)
        {
            for (var i = 0; i < 500; i++)
            {
                admitted += limiter.TryTake(Sprayed(round * 500 + i)) ? 1 : 0;
            }
            _time.Advance(TimeSpan.FromMilliseconds(100));
            Assert.True(limiter.TrackedSources <= 64, $"{limiter.TrackedSources} sources tracked");
        }

        // Forged sources that had refilled made room for others (more than the 63 free places were used)...
        Assert.True(admitted > 63, $"{admitted} sprayed sources admitted; refilled ones should have made room");
        // ...yet the client, 2.5 s after spending its burst, has earned 2.5 tokens, not a fresh burst of 3.
        Assert.Equal(2, Takes(limiter, Client, 10));
    }

    [Fact]
    public void A_full_table_of_refilled_sources_makes_room_and_one_of_sources_still_refilling_refuses_newcomers()
    {
        var limiter = new DnsResponseRateLimiter(perSecond: 10, burst: 2, maxSources: 16, _time);
        for (var i = 0; i < 16; i++)
        {
            Assert.True(limiter.TryTake(Sprayed(i)));
        }

        // Each of the 16 has just spent a token: none may be dropped, so a newcomer waits.
        Assert.False(limiter.TryTake(Client));
        Assert.Equal(16, limiter.TrackedSources);

        // A tenth of a second later they are full again, and forgetting one costs nothing.
        _time.Advance(TimeSpan.FromMilliseconds(100));
        Assert.Equal(2, Takes(limiter, Client, 5));
        Assert.Equal(16, limiter.TrackedSources);

        // The sources that were forgotten come back with a full burst, as they would have had anyway.
        Assert.Equal(2, Takes(limiter, Sprayed(0), 5));
    }

    private static int Takes(DnsResponseRateLimiter limiter, IPAddress source, int attempts) =>
        Enumerable.Range(0, attempts).Count(_ => limiter.TryTake(source));

    /// <summary>A distinct address per index, in 10.0.0.0/8.</summary>
    private static IPAddress Sprayed(int index) => new([10, (byte)(index >> 16), (byte)(index >> 8), (byte)index]);
}
