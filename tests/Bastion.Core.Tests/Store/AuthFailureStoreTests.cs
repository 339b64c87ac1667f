using Bastion.Core.Store;
using Bastion.Core.Tests.Support;

namespace Bastion.Core.Tests.Store;

/// <summary>Store contract for failure budgets and lockouts: runs once per provider (see the sealed classes at the end).</summary>
public abstract class AuthFailureStoreTests(StoreProvider provider)
{
    private static readonly AuthFailureRule ThreeInTenMinutes = new(3, TimeSpan.FromMinutes(10),
        [TimeSpan.FromMinutes(15), TimeSpan.FromMinutes(30), TimeSpan.FromMinutes(60)], TimeSpan.FromDays(7));

    [Fact]
    public async Task The_third_failure_starts_one_lockout_that_another_store_sees_and_failures_while_locked_do_not_extend()
    {
        await using var fixture = await StoreFixture.CreateAsync(provider);
        var other = await fixture.OpenAnotherAsync();
        var now = fixture.Time.GetUtcNow();

        var first = await fixture.Store.RecordAuthFailureAsync("user:alice", ThreeInTenMinutes, now);
        var second = await other.RecordAuthFailureAsync("user:alice", ThreeInTenMinutes, now.AddMinutes(1));
        var third = await fixture.Store.RecordAuthFailureAsync("user:alice", ThreeInTenMinutes, now.AddMinutes(2));
        var whileLocked = await other.RecordAuthFailureAsync("user:alice", ThreeInTenMinutes, now.AddMinutes(3));

        Assert.Equal((1, false), (first.Failures, first.IsLockedAt(now)));
        Assert.Equal(2, second.Failures);
        Assert.True(third.StartedLockout);
        Assert.Equal(now.AddMinutes(17), third.LockedUntil);
        Assert.Equal(1, third.Lockouts);
        Assert.False(whileLocked.StartedLockout);
        Assert.Equal(now.AddMinutes(17), whileLocked.LockedUntil); // not extended
        var seen = Assert.Single(await other.GetAuthLockoutsAsync(["user:alice", "address:203.0.113.7"], now.AddMinutes(16)));
        Assert.Equal(("user:alice", now.AddMinutes(17), 1), (seen.Subject, seen.LockedUntil, seen.Lockouts));
        Assert.Empty(await other.GetAuthLockoutsAsync(["user:alice"], now.AddMinutes(17)));
        Assert.Empty(await other.GetAuthLockoutsAsync(["user:bob"], now.AddMinutes(16)));
    }

    [Fact]
    public async Task Repeated_lockouts_grow_along_the_schedule_up_to_its_last_step_and_restart_after_a_quiet_memory()
    {
        await using var fixture = await StoreFixture.CreateAsync(provider);
        var at = fixture.Time.GetUtcNow();
        var lengths = new List<TimeSpan>();
        for (var lockout = 0; lockout < 5; lockout++)
        {
            AuthFailureState state = null!;
            for (var i = 0; i < 3; i++)
            {
                state = await fixture.Store.RecordAuthFailureAsync("user:carol", ThreeInTenMinutes, at);
            }
            Assert.True(state.StartedLockout, $"lockout {lockout + 1} did not start");
            Assert.Equal(lockout + 1, state.Lockouts);
            lengths.Add(state.LockedUntil!.Value - at);
            at = state.LockedUntil.Value; // the next guesses come the moment the lockout ends
        }
        Assert.Equal([15, 30, 60, 60, 60], lengths.Select(l => l.TotalMinutes));

        // A week without a failure: the next lockout is the short one again.
        at += TimeSpan.FromDays(7) + TimeSpan.FromSeconds(1);
        AuthFailureState fresh = null!;
        for (var i = 0; i < 3; i++)
        {
            fresh = await fixture.Store.RecordAuthFailureAsync("user:carol", ThreeInTenMinutes, at);
        }
        Assert.Equal((1, TimeSpan.FromMinutes(15)), (fresh.Lockouts, fresh.LockedUntil!.Value - at));
    }

    [Fact]
    public async Task Failures_older_than_the_window_start_a_new_count()
    {
        await using var fixture = await StoreFixture.CreateAsync(provider);
        var now = fixture.Time.GetUtcNow();
        await fixture.Store.RecordAuthFailureAsync("address:203.0.113.7", ThreeInTenMinutes, now);
        await fixture.Store.RecordAuthFailureAsync("address:203.0.113.7", ThreeInTenMinutes, now.AddMinutes(5));

        var late = await fixture.Store.RecordAuthFailureAsync("address:203.0.113.7", ThreeInTenMinutes, now.AddMinutes(10).AddSeconds(1));

        Assert.Equal(1, late.Failures);
        Assert.False(late.IsLockedAt(now.AddMinutes(10).AddSeconds(1)));
    }

    [Fact]
    public async Task Failures_racing_from_two_stores_are_all_counted_and_start_exactly_one_lockout()
    {
        await using var fixture = await StoreFixture.CreateAsync(provider);
        var other = await fixture.OpenAnotherAsync();
        var rule = ThreeInTenMinutes with { Threshold = 40 };
        var now = fixture.Time.GetUtcNow();

        var results = await Task.WhenAll(Enumerable.Range(0, 39).Select(i =>
            Task.Run(() => (i % 2 == 0 ? fixture.Store : other).RecordAuthFailureAsync("address:198.51.100.9", rule, now))));
        Assert.DoesNotContain(results, r => r.StartedLockout);
        Assert.Equal(39, results.Max(r => r.Failures)); // none lost

        var more = await Task.WhenAll(Enumerable.Range(0, 10).Select(i =>
            Task.Run(() => (i % 2 == 0 ? fixture.Store : other).RecordAuthFailureAsync("address:198.51.100.9", rule, now))));
        Assert.Single(more, r => r.StartedLockout);
        Assert.All(more, r => Assert.True(r.IsLockedAt(now)));
    }

    [Fact]
    public async Task Forgiving_takes_back_failures_but_never_lifts_a_lockout()
    {
        await using var fixture = await StoreFixture.CreateAsync(provider);
        var now = fixture.Time.GetUtcNow();
        await fixture.Store.RecordAuthFailureAsync("address:192.0.2.1", ThreeInTenMinutes, now);
        await fixture.Store.RecordAuthFailureAsync("address:192.0.2.1", ThreeInTenMinutes, now);

        await fixture.Store.ForgiveAuthFailuresAsync("address:192.0.2.1", 5, now);
        var afterForgiving = await fixture.Store.RecordAuthFailureAsync("address:192.0.2.1", ThreeInTenMinutes, now);
        Assert.Equal(1, afterForgiving.Failures);

        await fixture.Store.RecordAuthFailureAsync("address:192.0.2.1", ThreeInTenMinutes, now);
        Assert.True((await fixture.Store.RecordAuthFailureAsync("address:192.0.2.1", ThreeInTenMinutes, now)).StartedLockout);
        await fixture.Store.ForgiveAuthFailuresAsync("address:192.0.2.1", 5, now);
        Assert.Single(await fixture.Store.GetAuthLockoutsAsync(["address:192.0.2.1"], now));
    }

    [Fact]
    public async Task Lockouts_are_listed_and_cleared_and_expired_rows_purged()
    {
        await using var fixture = await StoreFixture.CreateAsync(provider);
        var now = fixture.Time.GetUtcNow();
        var shortRule = new AuthFailureRule(1, TimeSpan.FromMinutes(10), [TimeSpan.FromMinutes(15)], TimeSpan.FromMinutes(10));
        await fixture.Store.RecordAuthFailureAsync("user:dave", ThreeInTenMinutes with { Threshold = 1 }, now);
        await fixture.Store.RecordAuthFailureAsync("address:192.0.2.2", shortRule, now.AddMinutes(1));
        await fixture.Store.RecordAuthFailureAsync("user:erin", ThreeInTenMinutes, now);

        Assert.Equal(["address:192.0.2.2", "user:dave"], (await fixture.Store.ListAuthLockoutsAsync(now.AddMinutes(2))).Select(l => l.Subject));
        Assert.True(await fixture.Store.ClearAuthFailuresAsync("user:dave"));
        Assert.False(await fixture.Store.ClearAuthFailuresAsync("user:dave"));
        Assert.Equal(["address:192.0.2.2"], (await fixture.Store.ListAuthLockoutsAsync(now.AddMinutes(2))).Select(l => l.Subject));

        // The address row matters for its 15 min lockout; erin's for the 7-day memory of the rule it was counted under.
        Assert.Equal(0, await fixture.Store.PurgeAuthFailuresAsync(now.AddMinutes(16)));
        Assert.Equal(1, await fixture.Store.PurgeAuthFailuresAsync(now.AddMinutes(16).AddSeconds(1)));
        Assert.Equal(1, await fixture.Store.PurgeAuthFailuresAsync(now.AddDays(7).AddSeconds(1)));
    }

    [Fact]
    public async Task A_plain_counter_adds_amounts_within_its_window_and_never_locks()
    {
        await using var fixture = await StoreFixture.CreateAsync(provider);
        var now = fixture.Time.GetUtcNow();
        var counter = AuthFailureRule.Counter(TimeSpan.FromMinutes(5));

        Assert.Equal(1, (await fixture.Store.RecordAuthFailureAsync("burst:user:frank", counter, now)).Failures);
        var later = await fixture.Store.RecordAuthFailureAsync("burst:user:frank", counter, now.AddMinutes(4), amount: 6);
        var next = await fixture.Store.RecordAuthFailureAsync("burst:user:frank", counter, now.AddMinutes(5).AddSeconds(1), amount: 2);

        Assert.Equal((7, false), (later.Failures, later.IsLockedAt(now.AddMinutes(4))));
        Assert.Equal(2, next.Failures);
    }
}

public sealed class AuthFailureStoreTestsOnSqlite() : AuthFailureStoreTests(StoreProvider.Sqlite);

public sealed class AuthFailureStoreTestsOnPostgres() : AuthFailureStoreTests(StoreProvider.Postgres);
