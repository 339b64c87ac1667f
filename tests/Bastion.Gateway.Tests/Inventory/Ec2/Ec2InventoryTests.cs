using Bastion.Gateway.Inventory;
using Bastion.Gateway.Inventory.Ec2;
using Microsoft.Extensions.Logging.Abstractions;
using Microsoft.Extensions.Time.Testing;

namespace Bastion.Gateway.Tests.Inventory.Ec2;

/// <summary>The snapshot holder's bookkeeping, driven by a scripted fetcher and a fake clock.</summary>
public sealed class Ec2InventoryTests
{
    private readonly FakeTimeProvider _time = new(new DateTimeOffset(2026, 3, 1, 9, 0, 0, TimeSpan.Zero));
    private readonly ScriptedFetcher _fetcher = new();
    private readonly Ec2AccountOptions _a = Account("111111111111", "dev-a");
    private readonly Ec2AccountOptions _b = Account("222222222222", "dev-b");

    [Fact]
    public async Task A_refresh_publishes_every_account_in_a_new_snapshot()
    {
        _fetcher.Serve(_a, "web-1", "web-2");
        _fetcher.Serve(_b, "db-1");
        var inventory = Inventory();
        var before = inventory.Current;
        Ec2Snapshot? published = null;
        inventory.Updated += s => published = s;

        await inventory.RefreshNowAsync(CancellationToken.None);

        var after = inventory.Current;
        Assert.Empty(before.Instances); // snapshots are immutable: the old one is untouched
        Assert.False(before.IsComplete);
        Assert.True(after.IsComplete);
        Assert.Same(after, published);
        Assert.Equal(["web-1", "web-2", "db-1"], after.Instances.Select(i => i.Name));
        Assert.Equal(_time.GetUtcNow(), after.TakenAt);
        Assert.All(after.Accounts, s => Assert.False(s.IsStale));
        Assert.Equal(TimeSpan.Zero, after.FindAccount("dev-a")!.SnapshotAge(_time.GetUtcNow()));
        Assert.Same(after.FindAccount("111111111111"), after.FindAccount("DEV-A"));
    }

    [Fact]
    public async Task A_failing_account_keeps_its_last_good_instances_marked_stale_while_others_refresh()
    {
        _fetcher.Serve(_a, "web-1");
        _fetcher.Serve(_b, "db-1");
        var inventory = Inventory();
        var failures = new List<(Ec2AccountStatus Status, Exception Error)>();
        inventory.AccountFailed += (s, e) => failures.Add((s, e));
        await inventory.RefreshNowAsync(CancellationToken.None);
        var firstSuccess = _time.GetUtcNow();

        _time.Advance(TimeSpan.FromSeconds(60));
        _fetcher.Serve(_a, "web-1", "web-2");
        _fetcher.FailWith(_b, new Ec2FetchException("ec2:DescribeInstances for account dev-b failed (UnauthorizedOperation: no)") { ErrorCode = "UnauthorizedOperation" });
        await inventory.RefreshNowAsync(CancellationToken.None);
        _time.Advance(TimeSpan.FromSeconds(60));
        await inventory.RefreshNowAsync(CancellationToken.None);

        var snapshot = inventory.Current;
        var a = snapshot.FindAccount("dev-a")!;
        var b = snapshot.FindAccount("dev-b")!;
        Assert.False(a.IsStale);
        Assert.Equal(["web-1", "web-2"], a.Instances.Select(i => i.Name));
        Assert.True(b.IsStale);
        Assert.Equal(["db-1"], b.Instances.Select(i => i.Name));
        Assert.Equal(2, b.ConsecutiveFailures);
        Assert.Contains("UnauthorizedOperation", b.LastError, StringComparison.Ordinal);
        Assert.Equal(firstSuccess, b.LastSuccess);
        Assert.Equal(_time.GetUtcNow(), b.LastAttempt);
        Assert.Equal(TimeSpan.FromSeconds(120), b.SnapshotAge(_time.GetUtcNow()));
        Assert.Equal(["web-1", "web-2", "db-1"], snapshot.Instances.Select(i => i.Name));
        Assert.Equal([1, 2], failures.Select(f => f.Status.ConsecutiveFailures));
        Assert.All(failures, f => Assert.Equal("dev-b", f.Status.Account.Alias));
    }

    [Fact]
    public async Task An_account_that_never_succeeded_is_stale_with_no_instances_and_no_age()
    {
        _fetcher.FailWith(_a, new Ec2FetchException("sts:AssumeRole for account dev-a failed (AccessDenied: no)"));
        var inventory = Inventory();

        await inventory.RefreshNowAsync(CancellationToken.None);

        var status = inventory.Current.FindAccount("dev-a")!;
        Assert.True(status.IsStale);
        Assert.True(status.HasBeenAttempted);
        Assert.Empty(status.Instances);
        Assert.Null(status.LastSuccess);
        Assert.Null(status.SnapshotAge(_time.GetUtcNow()));
    }

    [Fact]
    public async Task Recovery_after_failures_is_reported_once()
    {
        _fetcher.Serve(_a, "web-1");
        _fetcher.FailOnceWith(_a, new Ec2ThrottledException("throttled"));
        var inventory = Inventory();
        var recovered = new List<Ec2AccountStatus>();
        inventory.AccountRecovered += recovered.Add;

        await inventory.RefreshNowAsync(CancellationToken.None);
        await inventory.RefreshNowAsync(CancellationToken.None);
        await inventory.RefreshNowAsync(CancellationToken.None);

        var status = Assert.Single(recovered);
        Assert.False(status.IsStale);
        Assert.Equal(["web-1"], status.Instances.Select(i => i.Name));
    }

    [Fact]
    public async Task Throttling_pushes_the_next_attempt_back_exponentially_up_to_the_bound()
    {
        _fetcher.FailWith(_a, new Ec2ThrottledException("throttled"));
        var inventory = Inventory(o =>
        {
            o.ThrottleBackoffSeconds = 10;
            o.MaxBackoffSeconds = 45;
        });

        var waits = new List<TimeSpan>();
        for (var i = 0; i < 5; i++)
        {
            var status = await inventory.RefreshAccountAsync(_a.Id, CancellationToken.None);
            waits.Add(status.NextAttemptAt!.Value - _time.GetUtcNow());
        }
        _fetcher.Serve(_a, "web-1");
        var ok = await inventory.RefreshAccountAsync(_a.Id, CancellationToken.None);

        Assert.Equal([10, 20, 40, 45, 45], waits.Select(w => w.TotalSeconds));
        Assert.Equal(TimeSpan.FromSeconds(60), ok.NextAttemptAt - _time.GetUtcNow());
    }

    [Fact]
    public async Task Other_failures_retry_at_the_normal_period()
    {
        _fetcher.FailWith(_a, new Ec2FetchException("denied"));
        var inventory = Inventory();

        var status = await inventory.RefreshAccountAsync(_a.Id, CancellationToken.None);

        Assert.Equal(TimeSpan.FromSeconds(60), status.NextAttemptAt - _time.GetUtcNow());
    }

    [Fact]
    public async Task A_throwing_event_handler_does_not_stop_the_refresh()
    {
        _fetcher.Serve(_a, "web-1");
        var inventory = Inventory();
        inventory.Updated += _ => throw new InvalidOperationException("broken subscriber");
        var seen = 0;
        inventory.Updated += _ => seen++;

        await inventory.RefreshNowAsync(CancellationToken.None);

        Assert.Equal(2, seen); // one snapshot per account refreshed
        Assert.Single(inventory.Current.Instances);
    }

    [Fact]
    public async Task Waiting_for_the_first_refresh_ends_when_every_account_was_tried_or_at_the_timeout()
    {
        _fetcher.Serve(_a, "web-1");
        _fetcher.FailWith(_b, new Ec2FetchException("down"));
        var inventory = Inventory();

        var waiting = inventory.WaitForFirstRefreshAsync(TimeSpan.FromSeconds(30));
        Assert.False(waiting.IsCompleted);
        await inventory.RefreshAccountAsync(_a.Id, CancellationToken.None);
        Assert.False(waiting.IsCompleted);
        await inventory.RefreshAccountAsync(_b.Id, CancellationToken.None);
        Assert.True(await waiting.WaitAsync(Ec2TestBed.Patience));

        var other = Inventory();
        var timingOut = other.WaitForFirstRefreshAsync(TimeSpan.FromSeconds(30));
        _time.Advance(TimeSpan.FromSeconds(31));
        Assert.False(await timingOut.WaitAsync(Ec2TestBed.Patience));
    }

    [Fact]
    public async Task A_disabled_inventory_is_empty_and_ready()
    {
        var inventory = new Ec2Inventory(new Ec2InventoryOptions { Enabled = false, Accounts = [_a] }, _fetcher, _time, NullLogger<Ec2Inventory>.Instance);

        Assert.True(await inventory.WaitForFirstRefreshAsync(TimeSpan.Zero));
        await inventory.RefreshNowAsync(CancellationToken.None);
        Assert.Empty(inventory.Current.Accounts);
        Assert.Equal(0, _fetcher.Calls);
    }

    [Fact]
    public async Task Refreshing_an_unknown_account_says_which_setting_lists_accounts()
    {
        var inventory = Inventory();

        var ex = await Assert.ThrowsAsync<ArgumentException>(() => inventory.RefreshAccountAsync("999999999999", CancellationToken.None));

        Assert.Contains("Bastion:Inventory:Ec2:Accounts", ex.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Snapshots_handed_out_of_order_leave_the_gateway_serving_the_newest()
    {
        // Accounts refresh side by side and raise Updated on their own threads, so a subscriber can get an older
        // snapshot after a newer one. A CI run caught the gateway serving dev-a's names only, after both had refreshed.
        _fetcher.Serve(_a, "web-1");
        _fetcher.Serve(_b, "db-1");
        var inventory = Inventory();
        var published = new List<Ec2Snapshot>();
        inventory.Updated += s => { lock (published) { published.Add(s); } };
        await inventory.RefreshNowAsync(CancellationToken.None);

        var ordered = published.OrderBy(s => s.Version).ToList();
        Assert.Equal(2, ordered.Count);
        Assert.True(ordered[0].Version < ordered[1].Version);
        Assert.Same(inventory.Current, ordered[1]);

        var everywhere = new[] { System.Net.IPNetwork.Parse("10.0.0.0/8") };
        var state = new InventoryState(new InventoryAddressPolicy([], new Dictionary<string, IReadOnlyList<System.Net.IPNetwork>> { [_a.Id] = everywhere, [_b.Id] = everywhere }));
        Assert.True(state.Update(ordered[1]));
        Assert.False(state.Update(ordered[0])); // the older one, arriving last, is not taken

        Assert.Equal(1, state.Index.ByName("web-1").Length);
        Assert.Equal(1, state.Index.ByName("db-1").Length);
        Assert.All(state.Accounts, a => Assert.NotNull(a.LastSuccess));
    }

    private Ec2Inventory Inventory(Action<Ec2InventoryOptions>? configure = null)
    {
        var options = new Ec2InventoryOptions { Enabled = true, Accounts = [_a, _b], JitterFraction = 0 };
        configure?.Invoke(options);
        return new Ec2Inventory(options, _fetcher, _time, NullLogger<Ec2Inventory>.Instance);
    }

    private static Ec2AccountOptions Account(string id, string alias) => new()
    {
        Id = id,
        Alias = alias,
        RoleArn = $"arn:aws:iam::{id}:role/bastion-inventory",
        Regions = ["eu-west-1"],
    };
}
