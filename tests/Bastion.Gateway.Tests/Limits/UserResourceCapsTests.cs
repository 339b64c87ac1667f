using Bastion.Hosting.Configuration;
using Bastion.Gateway.Hosting;
using Bastion.Gateway.Limits;
using Microsoft.Extensions.Time.Testing;

namespace Bastion.Gateway.Tests.Limits;

/// <summary>The per-user counters and leases behind Bastion:Limits, with a fake clock for the rolling minute.</summary>
public sealed class UserResourceCapsTests
{
    private static UserLimits Caps(int connections = 0, int channels = 0, int opensPerMinute = 0) =>
        new("Bastion:Limits", connections, channels, opensPerMinute);

    [Fact]
    public void The_connection_over_the_cap_is_refused_with_the_cap_its_value_and_what_to_do()
    {
        var caps = new UserResourceCaps(new FakeTimeProvider());
        var limits = Caps(connections: 2);

        var first = caps.TryOpenConnection("alice", limits, out _);
        var second = caps.TryOpenConnection("alice", limits, out _);
        var third = caps.TryOpenConnection("alice", limits, out var refusal);
        var bob = caps.TryOpenConnection("bob", limits, out _);

        Assert.NotNull(first);
        Assert.NotNull(second);
        Assert.Null(third);
        Assert.NotNull(bob);
        Assert.Equal(new CapRefusal("alice", UserCaps.ConnectionsPerUser, "Bastion:Limits:ConnectionsPerUser", 2, 2), refusal);
        Assert.Equal("Bastion: alice already has 2 connections open through this gateway (limit Bastion:Limits:ConnectionsPerUser); " +
                     "close some (or share one with ControlMaster) and try again", refusal!.Message);
    }

    [Fact]
    public void A_lease_is_released_exactly_once_however_often_it_is_disposed()
    {
        var caps = new UserResourceCaps(new FakeTimeProvider());
        var limits = Caps(connections: 2, channels: 2);
        var a = caps.TryOpenConnection("alice", limits, out _)!;
        var b = caps.TryOpenConnection("alice", limits, out _)!;
        var channel = caps.TryOpenChannel(a, limits, out _)!;
        var other = caps.TryOpenChannel(b, limits, out _)!;

        channel.Dispose();
        channel.Dispose();
        Assert.Equal((2, 1), Held(caps, "alice"));

        a.Dispose();
        a.Dispose();
        Assert.Equal((1, 1), Held(caps, "alice"));

        other.Dispose();
        b.Dispose();
        other.Dispose();
        Assert.Equal((0, 0), Held(caps, "alice"));
        Assert.NotNull(caps.TryOpenConnection("alice", limits, out _));
    }

    [Fact]
    public void A_connection_that_ends_takes_its_open_channels_with_it_and_their_late_closes_change_nothing()
    {
        var caps = new UserResourceCaps(new FakeTimeProvider());
        var limits = Caps(channels: 3);
        var a = caps.TryOpenConnection("alice", limits, out _)!;
        var b = caps.TryOpenConnection("alice", limits, out _)!;
        var onA = new[] { caps.TryOpenChannel(a, limits, out _)!, caps.TryOpenChannel(a, limits, out _)! };
        var onB = caps.TryOpenChannel(b, limits, out _)!;
        Assert.Null(caps.TryOpenChannel(b, limits, out var full));
        Assert.Equal(UserCaps.ChannelsPerUser, full!.Cap);
        Assert.Equal(3, full.Current);

        a.Dispose();
        foreach (var lease in onA)
        {
            lease.Dispose(); // the channels' own closes, after their connection's end
        }

        Assert.Equal((1, 1), Held(caps, "alice"));
        Assert.NotNull(caps.TryOpenChannel(b, limits, out _));
        Assert.NotNull(caps.TryOpenChannel(b, limits, out _));
        Assert.Null(caps.TryOpenChannel(b, limits, out _));
        onB.Dispose();
    }

    [Fact]
    public void Channel_opens_are_capped_per_rolling_minute_counting_refused_attempts()
    {
        var time = new FakeTimeProvider();
        var caps = new UserResourceCaps(time);
        var limits = Caps(opensPerMinute: 5);
        var connection = caps.TryOpenConnection("ci", limits, out _)!;

        for (var i = 0; i < 5; i++)
        {
            caps.TryOpenChannel(connection, limits, out _)!.Dispose();
            time.Advance(TimeSpan.FromSeconds(10));
        }
        // 5 opens at 0, 10, 20, 30, 40 s; now 50 s.
        Assert.Null(caps.TryOpenChannel(connection, limits, out var refusal));
        Assert.Equal(new CapRefusal("ci", UserCaps.ChannelOpensPerMinute, "Bastion:Limits:ChannelOpensPerMinute", 5, 6), refusal);
        Assert.StartsWith("Bastion: ci tried to open 6 channels through this gateway in the last minute (limit Bastion:Limits:ChannelOpensPerMinute)", refusal!.Message,
            StringComparison.Ordinal);

        // At 60 s the open at 0 s has left the minute, but the refused attempt at 50 s is still in it.
        time.Advance(TimeSpan.FromSeconds(10));
        Assert.Null(caps.TryOpenChannel(connection, limits, out _));

        // A minute of quiet after the last attempt (61 s… 121 s): the loop that paused gets channels again.
        time.Advance(TimeSpan.FromSeconds(61));
        Assert.NotNull(caps.TryOpenChannel(connection, limits, out _));
    }

    [Fact]
    public void The_opens_of_a_user_who_reconnects_for_every_channel_are_still_counted()
    {
        var time = new FakeTimeProvider();
        var caps = new UserResourceCaps(time);
        var limits = Caps(opensPerMinute: 3);
        for (var i = 0; i < 3; i++)
        {
            var connection = caps.TryOpenConnection("bot", limits, out _)!;
            Assert.NotNull(caps.TryOpenChannel(connection, limits, out _));
            connection.Dispose();
        }

        var again = caps.TryOpenConnection("bot", limits, out _)!;
        Assert.Null(caps.TryOpenChannel(again, limits, out var refusal));
        Assert.Equal(UserCaps.ChannelOpensPerMinute, refusal!.Cap);
        again.Dispose();

        // Forgotten once the minute is over and nothing is held.
        time.Advance(TimeSpan.FromMinutes(3));
        caps.TryOpenConnection("someone-else", limits, out _)!.Dispose();
        Assert.Equal(0, caps.TrackedUsers);
    }

    [Fact]
    public void Zero_means_no_cap()
    {
        var caps = new UserResourceCaps(new FakeTimeProvider());
        var limits = Caps();
        var connections = Enumerable.Range(0, 500).Select(i => caps.TryOpenConnection("alice", limits, out _)).ToList();
        Assert.All(connections, Assert.NotNull);
        Assert.All(Enumerable.Range(0, 2000), i => Assert.NotNull(caps.TryOpenChannel(connections[0]!, limits, out _)));
    }

    [Fact]
    public void A_channel_open_that_races_its_connections_end_counts_nothing()
    {
        var caps = new UserResourceCaps(new FakeTimeProvider());
        var limits = Caps(channels: 1);
        var connection = caps.TryOpenConnection("alice", limits, out _)!;
        connection.Dispose();

        var late = caps.TryOpenChannel(connection, limits, out var refusal);

        Assert.NotNull(late);
        Assert.Null(refusal);
        Assert.Equal((0, 0), Held(caps, "alice"));
        late!.Dispose();
        Assert.Equal((0, 0), Held(caps, "alice"));
    }

    [Fact]
    public void Refusals_are_reported_once_per_user_and_cap_per_minute_and_the_next_report_counts_those_left_out()
    {
        var time = new FakeTimeProvider();
        var notices = new RefusalNotices(time);

        Assert.True(notices.ShouldReport("alice", UserCaps.ConnectionsPerUser, out var leftOut));
        Assert.Equal(0, leftOut);
        Assert.True(notices.ShouldReport("alice", UserCaps.ChannelsPerUser, out _));
        Assert.True(notices.ShouldReport("bob", UserCaps.ConnectionsPerUser, out _));
        for (var i = 0; i < 100; i++)
        {
            Assert.False(notices.ShouldReport("alice", UserCaps.ConnectionsPerUser, out _));
        }

        time.Advance(TimeSpan.FromSeconds(59));
        Assert.False(notices.ShouldReport("alice", UserCaps.ConnectionsPerUser, out _));
        time.Advance(TimeSpan.FromSeconds(1));
        Assert.True(notices.ShouldReport("alice", UserCaps.ConnectionsPerUser, out leftOut));
        Assert.Equal(101, leftOut);
    }

    [Fact]
    public void Automation_accounts_get_their_own_caps_and_messages_name_their_keys()
    {
        var options = new UserLimitOptions();

        Assert.Equal(new UserLimits("Bastion:Limits", 32, 128, 240), options.For(automation: false));
        Assert.Equal(new UserLimits("Bastion:Limits:Automation", 256, 1024, 1200), options.For(automation: true));
        Assert.Equal("Bastion:Limits:Automation:ChannelsPerUser", options.For(automation: true).KeyOf(UserCaps.ChannelsPerUser));
    }

    [Fact]
    public void Negative_caps_are_refused_with_the_key_named_and_zero_is_allowed()
    {
        var options = new BastionOptions();
        options.Limits.ConnectionsPerUser = 0;
        options.Limits.ChannelsPerUser = -1;
        options.Limits.Automation.ChannelOpensPerMinute = -3;

        var errors = BastionOptionsValidator.Validate(options);

        Assert.Equal(
            ["Bastion:Limits:ChannelsPerUser -1 is outside 0..1000000 (0 turns the cap off)",
             "Bastion:Limits:Automation:ChannelOpensPerMinute -3 is outside 0..1000000 (0 turns the cap off)"],
            errors);
    }

    [Fact]
    public void Every_cap_is_reloadable_and_a_reload_takes_the_new_values()
    {
        var current = new BastionOptions();
        var next = new BastionOptions();
        next.Limits.ConnectionsPerUser = 4;
        next.Limits.Automation.ChannelsPerUser = 9;
        var keys = new[] { "ConnectionsPerUser", "ChannelsPerUser", "ChannelOpensPerMinute" }
            .SelectMany(k => new[] { $"Bastion:Limits:{k}", $"Bastion:Limits:Automation:{k}" }).ToList();
        var after = keys.ToDictionary(k => k, string? (_) => "1");

        var plan = ReloadPlan.Create(new Dictionary<string, string?>(), after, current, next);

        Assert.Empty(plan.NeedRestart);
        Assert.Equal(keys.Order(StringComparer.OrdinalIgnoreCase), plan.Applied);
        Assert.Equal(4, plan.Effective.Limits.ConnectionsPerUser);
        Assert.Equal(9, plan.Effective.Limits.Automation.ChannelsPerUser);
    }

    private static (int Connections, int Channels) Held(UserResourceCaps caps, string user)
    {
        var usage = caps.UsageOf(user);
        return (usage.Connections, usage.Channels);
    }
}
