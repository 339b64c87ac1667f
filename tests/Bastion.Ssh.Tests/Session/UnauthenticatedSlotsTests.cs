using System.Net;
using Bastion.Ssh.Algorithms.HostKeys;

namespace Bastion.Ssh.Tests.Session;

/// <summary>
/// The pre-authentication slot table: the total limit, the per-source limit that only a source penalised for failed
/// logins is held to, release once, IPv6 counted per /64, and what the refused client is told.
/// </summary>
public sealed class UnauthenticatedSlotsTests : IDisposable
{
    private static readonly IPEndPoint Office = new(IPAddress.Parse("192.0.2.1"), 40000);
    private readonly Ed25519HostKey _hostKey = Ed25519HostKey.Generate();
    private readonly SteppedClock _clock = new();

    [Fact]
    public void A_source_without_failed_logins_is_held_only_to_the_total()
    {
        var (slots, penalties) = (new UnauthenticatedSlots(), new SourcePenalties(_clock));
        var options = Options(total: 40, perSource: 2);

        for (var i = 0; i < 30; i++)
        {
            Assert.NotNull(slots.TryTake(Office, options, penalties, out _, out _));
        }
        Assert.Equal(30, slots.Total);
    }

    [Fact]
    public void A_source_with_recent_failures_is_held_to_its_share_and_told_why_and_when_to_retry()
    {
        var (slots, penalties) = (new UnauthenticatedSlots(), new SourcePenalties(_clock));
        var options = Options(total: 40, perSource: 2, penaltyFailures: 10, window: TimeSpan.FromMinutes(5));
        for (var i = 0; i < 9; i++)
        {
            penalties.RecordFailure(Office.Address, options);
        }
        Assert.False(penalties.IsPenalised(Office.Address, options, out _), "nine failures are below the threshold of ten");
        _clock.Advance(TimeSpan.FromMinutes(1));
        penalties.RecordFailure(Office.Address, options);

        var first = slots.TryTake(Office, options, penalties, out _, out _);
        Assert.NotNull(slots.TryTake(new IPEndPoint(Office.Address, 40001), options, penalties, out _, out _));
        Assert.Null(slots.TryTake(Office, options, penalties, out var refusal, out var toClient));

        Assert.Contains("2 unauthenticated connections from 192.0.2.1 already open (per-source limit, penalised for failed logins for 240 s more)", refusal, StringComparison.Ordinal);
        Assert.Equal("10 failed logins from 192.0.2.1 in the last 5 min, so 2 logins at a time are allowed from there and 2 are in progress; " +
                     "try again when one has finished, or in 240 s without a limit", toClient);
        Assert.NotNull(slots.TryTake(new IPEndPoint(IPAddress.Parse("192.0.2.2"), 1), options, penalties, out _, out _));

        first!.Release();
        first.Release(); // twice (login, then the end of the connection) counts once
        Assert.Equal(2, slots.Total);
        Assert.NotNull(slots.TryTake(Office, options, penalties, out _, out _));
        Assert.Null(slots.TryTake(Office, options, penalties, out _, out _));

        // The penalty ends when the oldest of the ten failures is five minutes old.
        _clock.Advance(TimeSpan.FromMinutes(4));
        Assert.False(penalties.IsPenalised(Office.Address, options, out _));
        Assert.NotNull(slots.TryTake(Office, options, penalties, out _, out _));
    }

    [Fact]
    public void With_penalties_off_every_source_is_held_to_its_share()
    {
        var (slots, penalties) = (new UnauthenticatedSlots(), new SourcePenalties(_clock));
        var options = Options(total: 40, perSource: 2, penaltyFailures: 0);

        Assert.NotNull(slots.TryTake(Office, options, penalties, out _, out _));
        Assert.NotNull(slots.TryTake(Office, options, penalties, out _, out _));
        Assert.Null(slots.TryTake(Office, options, penalties, out var refusal, out var toClient));
        Assert.EndsWith("(per-source limit)", refusal, StringComparison.Ordinal);
        Assert.Equal("2 logins at a time are allowed from there and 2 are in progress; try again when one of them has finished", toClient);
    }

    [Fact]
    public void The_total_limit_holds_across_sources_and_zero_turns_the_per_source_limit_off()
    {
        var (slots, penalties) = (new UnauthenticatedSlots(), new SourcePenalties(_clock));
        var options = Options(total: 3, perSource: 0, penaltyFailures: 1);
        penalties.RecordFailure(IPAddress.Loopback, options);
        var one = new IPEndPoint(IPAddress.Loopback, 1);

        for (var i = 0; i < 3; i++)
        {
            Assert.NotNull(slots.TryTake(one, options, penalties, out _, out _));
        }
        Assert.Null(slots.TryTake(new IPEndPoint(IPAddress.Parse("192.0.2.9"), 1), options, penalties, out var refusal, out var toClient));
        Assert.Contains("3 unauthenticated connections already open", refusal, StringComparison.Ordinal);
        Assert.Equal("this gateway has 3 logins in progress, its limit; try again in a few seconds", toClient);
    }

    [Fact]
    public void IPv6_sources_in_one_64_share_a_count_and_a_penalty_and_IPv4_mapped_ones_count_as_IPv4()
    {
        Assert.Equal(IPAddress.Parse("2001:db8:1:2::"), UnauthenticatedSlots.SourceKey(IPAddress.Parse("2001:db8:1:2:aaaa:bbbb:cccc:dddd")));
        Assert.Equal(IPAddress.Parse("192.0.2.7"), UnauthenticatedSlots.SourceKey(IPAddress.Parse("::ffff:192.0.2.7")));
        var (slots, penalties) = (new UnauthenticatedSlots(), new SourcePenalties(_clock));
        var options = Options(total: 10, perSource: 1, penaltyFailures: 1);
        penalties.RecordFailure(UnauthenticatedSlots.SourceKey(IPAddress.Parse("2001:db8::77")), options);

        Assert.NotNull(slots.TryTake(new IPEndPoint(IPAddress.Parse("2001:db8::1"), 1), options, penalties, out _, out _));
        Assert.Null(slots.TryTake(new IPEndPoint(IPAddress.Parse("2001:db8::2"), 1), options, penalties, out var refusal, out _));
        Assert.Contains("2001:db8::/64", refusal, StringComparison.Ordinal);
    }

    [Fact]
    public void The_penalty_table_stays_bounded_when_many_sources_fail()
    {
        var penalties = new SourcePenalties(_clock);
        var options = Options(total: 10, perSource: 1, penaltyFailures: 3);
        var guesser = IPAddress.Parse("198.51.100.1");
        for (var i = 0; i < 3; i++)
        {
            penalties.RecordFailure(guesser, options);
        }
        _clock.Advance(TimeSpan.FromSeconds(1));
        for (var i = 0; i < SourcePenalties.MaxSources + 1_000; i++)
        {
            penalties.RecordFailure(new IPAddress([10, (byte)(i >> 16), (byte)(i >> 8), (byte)i]), options);
        }

        // Memory is bounded. The stalest sources go first, the guesser among them: whoever can fail from 65,536
        // addresses at once does not need its penalty lifted, since it is not held by a per-source limit anyway.
        Assert.InRange(penalties.SourceCount, 1, SourcePenalties.MaxSources);
        Assert.False(penalties.IsPenalised(guesser, options, out _));
    }

    private SshServerOptions Options(int total, int perSource, int penaltyFailures = 10, TimeSpan? window = null) => new()
    {
        HostKeys = [_hostKey],
        MaxUnauthenticatedConnections = total,
        MaxUnauthenticatedPerSource = perSource,
        SourcePenaltyFailures = penaltyFailures,
        SourcePenaltyWindow = window ?? TimeSpan.FromMinutes(5),
        TimeProvider = _clock,
    };

    public void Dispose() => _hostKey.Dispose();
}
