using System.Net;
using Bastion.Ssh.Algorithms.HostKeys;

namespace Bastion.Ssh.Tests.Session;

/// <summary>The pre-authentication slot table: total and per-source limits, release once, IPv6 counted per /64.</summary>
public sealed class UnauthenticatedSlotsTests : IDisposable
{
    private readonly Ed25519HostKey _hostKey = Ed25519HostKey.Generate();

    [Fact]
    public void A_source_is_held_to_its_share_and_a_released_slot_is_given_again()
    {
        var slots = new UnauthenticatedSlots();
        var options = Options(total: 5, perSource: 2);
        var a = new IPEndPoint(IPAddress.Parse("192.0.2.1"), 40000);

        var first = slots.TryTake(a, options, out _);
        var second = slots.TryTake(new IPEndPoint(a.Address, 40001), options, out _);
        var third = slots.TryTake(a, options, out var refusal);

        Assert.NotNull(first);
        Assert.NotNull(second);
        Assert.Null(third);
        Assert.Contains("2 unauthenticated connections from 192.0.2.1 already open", refusal, StringComparison.Ordinal);
        Assert.NotNull(slots.TryTake(new IPEndPoint(IPAddress.Parse("192.0.2.2"), 1), options, out _));

        first!.Release();
        first.Release(); // twice (login, then the end of the connection) counts once
        Assert.Equal(2, slots.Total);
        Assert.NotNull(slots.TryTake(a, options, out _));
    }

    [Fact]
    public void The_total_limit_holds_across_sources_and_zero_turns_the_per_source_limit_off()
    {
        var slots = new UnauthenticatedSlots();
        var options = Options(total: 3, perSource: 0);
        var one = new IPEndPoint(IPAddress.Loopback, 1);

        for (var i = 0; i < 3; i++)
        {
            Assert.NotNull(slots.TryTake(one, options, out _));
        }
        Assert.Null(slots.TryTake(new IPEndPoint(IPAddress.Parse("192.0.2.9"), 1), options, out var refusal));
        Assert.Contains("3 unauthenticated connections already open", refusal, StringComparison.Ordinal);
    }

    [Fact]
    public void IPv6_sources_in_one_64_share_a_count_and_IPv4_mapped_ones_count_as_IPv4()
    {
        Assert.Equal(IPAddress.Parse("2001:db8:1:2::"), UnauthenticatedSlots.SourceKey(IPAddress.Parse("2001:db8:1:2:aaaa:bbbb:cccc:dddd")));
        Assert.Equal(IPAddress.Parse("192.0.2.7"), UnauthenticatedSlots.SourceKey(IPAddress.Parse("::ffff:192.0.2.7")));
        var slots = new UnauthenticatedSlots();
        var options = Options(total: 10, perSource: 1);
        Assert.NotNull(slots.TryTake(new IPEndPoint(IPAddress.Parse("2001:db8::1"), 1), options, out _));
        Assert.Null(slots.TryTake(new IPEndPoint(IPAddress.Parse("2001:db8::2"), 1), options, out var refusal));
        Assert.Contains("2001:db8::/64", refusal, StringComparison.Ordinal);
    }

    private SshServerOptions Options(int total, int perSource) =>
        new() { HostKeys = [_hostKey], MaxUnauthenticatedConnections = total, MaxUnauthenticatedPerSource = perSource };

    public void Dispose() => _hostKey.Dispose();
}
