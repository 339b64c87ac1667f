using Bastion.Core.Tests.Support;

namespace Bastion.Core.Tests.Store;

/// <summary>The anomaly baseline contract: first sightings, hourly login counts and burst episodes, decided atomically.</summary>
public abstract class AnomalyBaselineStoreTests(StoreProvider provider)
{
    [Fact]
    public async Task First_seen_is_new_once_and_counts_what_was_known_before()
    {
        await using var fixture = await StoreFixture.CreateAsync(provider);
        var at = fixture.Time.GetUtcNow();

        var first = await fixture.Store.TryRecordFirstSeenAsync("alice", "network", "198.51.100.0/24", at);
        var again = await fixture.Store.TryRecordFirstSeenAsync("alice", "network", "198.51.100.0/24", at.AddHours(1));
        var second = await fixture.Store.TryRecordFirstSeenAsync("alice", "network", "203.0.113.0/24", at.AddHours(2));
        var otherKind = await fixture.Store.TryRecordFirstSeenAsync("alice", "target", "198.51.100.0/24", at);
        var otherUser = await fixture.Store.TryRecordFirstSeenAsync("bob", "network", "198.51.100.0/24", at);

        Assert.Equal(new(true, 0), first);
        Assert.Equal(new(false, 0), again);
        Assert.Equal(new(true, 1), second);
        Assert.Equal(new(true, 0), otherKind);
        Assert.Equal(new(true, 0), otherUser);
    }

    [Fact]
    public async Task Two_nodes_recording_different_first_values_at_once_leave_exactly_one_baseline()
    {
        await using var fixture = await StoreFixture.CreateAsync(provider);
        var other = await fixture.OpenAnotherAsync(pooling: false);
        var at = fixture.Time.GetUtcNow();

        for (var round = 0; round < 20; round++)
        {
            var user = $"user{round}";
            var results = await Task.WhenAll(
                Task.Run(() => fixture.Store.TryRecordFirstSeenAsync(user, "network", "10.0.0.0/24", at)),
                Task.Run(() => other.TryRecordFirstSeenAsync(user, "network", "10.0.1.0/24", at)));
            // Both values are new; exactly one call saw no earlier value (the baseline), so the other can alert.
            Assert.All(results, r => Assert.True(r.IsNew));
            Assert.Equal([0, 1], results.Select(r => r.KnownBefore).Order());
        }
    }

    [Fact]
    public async Task Concurrent_first_sightings_from_two_stores_insert_exactly_once()
    {
        await using var fixture = await StoreFixture.CreateAsync(provider);
        var other = await fixture.OpenAnotherAsync(pooling: false);
        var at = fixture.Time.GetUtcNow();

        for (var round = 0; round < 20; round++)
        {
            var value = $"10.{round}.0.0/24";
            var results = await Task.WhenAll(
                Task.Run(() => fixture.Store.TryRecordFirstSeenAsync("alice", "network", value, at)),
                Task.Run(() => other.TryRecordFirstSeenAsync("alice", "network", value, at)));
            Assert.Single(results, r => r.IsNew);
            // Both see the same history: the values before this round.
            Assert.All(results, r => Assert.Equal(round, r.KnownBefore));
        }
    }

    [Fact]
    public async Task Login_hours_return_the_counts_before_this_login()
    {
        await using var fixture = await StoreFixture.CreateAsync(provider);
        var other = await fixture.OpenAnotherAsync();

        var before1 = await fixture.Store.RecordLoginHourAsync("alice", 9);
        var before2 = await other.RecordLoginHourAsync("alice", 9);
        var before3 = await fixture.Store.RecordLoginHourAsync("alice", 23);
        var bob = await fixture.Store.RecordLoginHourAsync("bob", 9);

        Assert.Equal(24, before1.Count);
        Assert.All(before1, c => Assert.Equal(0, c));
        Assert.Equal(1, before2[9]);
        Assert.Equal(2, before3[9]);
        Assert.Equal(0, before3[23]);
        Assert.Equal(2, before3.Sum());
        Assert.Equal(0, bob.Sum());
        await Assert.ThrowsAsync<ArgumentOutOfRangeException>(() => fixture.Store.RecordLoginHourAsync("alice", 24));
    }

    [Fact]
    public async Task Concurrent_logins_in_a_new_hour_from_two_stores_see_it_new_once()
    {
        await using var fixture = await StoreFixture.CreateAsync(provider);
        var other = await fixture.OpenAnotherAsync(pooling: false);

        for (var hour = 0; hour < 24; hour++)
        {
            var h = hour;
            var results = await Task.WhenAll(
                Task.Run(() => fixture.Store.RecordLoginHourAsync("alice", h)),
                Task.Run(() => other.RecordLoginHourAsync("alice", h)));
            Assert.Single(results, before => before[h] == 0);
            Assert.Equal(2 * hour, results.Min(before => before.Sum()));
        }
    }

    [Fact]
    public async Task Episodes_start_once_and_again_only_after_a_quiet_period()
    {
        await using var fixture = await StoreFixture.CreateAsync(provider);
        var other = await fixture.OpenAnotherAsync();
        var t0 = fixture.Time.GetUtcNow();
        var window = TimeSpan.FromMinutes(5);

        Assert.True(await fixture.Store.TryStartEpisodeAsync("user:alice", t0, window));
        Assert.False(await other.TryStartEpisodeAsync("user:alice", t0.AddMinutes(1), window));
        // Still running: each sighting extends it, so 9 minutes after the start is within 5 of the last one.
        Assert.False(await fixture.Store.TryStartEpisodeAsync("user:alice", t0.AddMinutes(4), window));
        Assert.False(await fixture.Store.TryStartEpisodeAsync("user:alice", t0.AddMinutes(9), window));
        Assert.True(await fixture.Store.TryStartEpisodeAsync("source:203.0.113.7", t0.AddMinutes(9), window));
        // Quiet for more than the window: a new episode.
        Assert.True(await other.TryStartEpisodeAsync("user:alice", t0.AddMinutes(15), window));
        // A late sighting from a node whose clock is behind does not move the episode back.
        Assert.False(await fixture.Store.TryStartEpisodeAsync("user:alice", t0.AddMinutes(14), window));
    }

    [Fact]
    public async Task Concurrent_episode_starts_from_two_stores_start_one_episode()
    {
        await using var fixture = await StoreFixture.CreateAsync(provider);
        var other = await fixture.OpenAnotherAsync(pooling: false);
        var t0 = fixture.Time.GetUtcNow();

        for (var round = 0; round < 20; round++)
        {
            var subject = $"user:u{round}";
            var results = await Task.WhenAll(
                Task.Run(() => fixture.Store.TryStartEpisodeAsync(subject, t0, TimeSpan.FromMinutes(5))),
                Task.Run(() => other.TryStartEpisodeAsync(subject, t0.AddMilliseconds(1), TimeSpan.FromMinutes(5))));
            Assert.Single(results, started => started);
        }
    }

    [Fact]
    public async Task Whether_an_episode_runs_is_read_without_starting_or_extending_one()
    {
        await using var fixture = await StoreFixture.CreateAsync(provider);
        var other = await fixture.OpenAnotherAsync();
        var t0 = fixture.Time.GetUtcNow();
        var window = TimeSpan.FromMinutes(5);

        Assert.False(await other.IsEpisodeRunningAsync("user:bob", t0, window));
        Assert.True(await fixture.Store.TryStartEpisodeAsync("user:bob", t0, window)); // the read above started nothing
        Assert.True(await other.IsEpisodeRunningAsync("user:bob", t0.AddMinutes(5), window));
        Assert.False(await other.IsEpisodeRunningAsync("user:bob", t0.AddMinutes(5).AddSeconds(1), window));
        Assert.True(await other.TryStartEpisodeAsync("user:bob", t0.AddMinutes(6), window)); // the reads extended nothing
    }
}

public sealed class AnomalyBaselineStoreTestsOnSqlite() : AnomalyBaselineStoreTests(StoreProvider.Sqlite);

public sealed class AnomalyBaselineStoreTestsOnPostgres() : AnomalyBaselineStoreTests(StoreProvider.Postgres);
