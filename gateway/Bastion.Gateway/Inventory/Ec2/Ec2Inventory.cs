using Microsoft.Extensions.Logging;

namespace Bastion.Gateway.Inventory.Ec2;

/// <summary>
/// Holds the current <see cref="Ec2Snapshot"/> and refreshes accounts into it. Lookups read <see cref="Current"/>
/// only (no AWS call on the connection path); <see cref="Ec2InventoryRefresher"/> calls
/// <see cref="RefreshAccountAsync"/> on each account's schedule, the CLI and tests call <see cref="RefreshNowAsync"/>.
/// A failed refresh keeps the account's last good instances and marks it stale; other accounts are unaffected.
/// </summary>
public sealed class Ec2Inventory
{
    private readonly IEc2AccountFetcher _fetcher;
    private readonly Ec2RefreshSchedule _schedule;
    private readonly TimeProvider _time;
    private readonly ILogger<Ec2Inventory> _logger;
    private readonly Dictionary<string, AccountSlot> _slots;
    private readonly Lock _publishLock = new();
    private readonly TaskCompletionSource _firstRefreshDone = new(TaskCreationOptions.RunContinuationsAsynchronously);
    private Ec2Snapshot _current;

    public Ec2Inventory(Ec2InventoryOptions options, IEc2AccountFetcher fetcher, TimeProvider time, ILogger<Ec2Inventory> logger, Ec2RefreshSchedule? schedule = null)
    {
        Options = options ?? throw new ArgumentNullException(nameof(options));
        _fetcher = fetcher ?? throw new ArgumentNullException(nameof(fetcher));
        _time = time ?? throw new ArgumentNullException(nameof(time));
        _logger = logger ?? throw new ArgumentNullException(nameof(logger));
        _schedule = schedule ?? new Ec2RefreshSchedule(options);
        var accounts = options.Enabled ? options.Accounts : [];
        _slots = accounts.ToDictionary(a => a.Id, a => new AccountSlot(a));
        _current = new Ec2Snapshot(accounts.Select(Ec2AccountStatus.NotYetRefreshed).ToList(), time.GetUtcNow());
        if (_current.IsComplete)
        {
            _firstRefreshDone.TrySetResult(); // no accounts: nothing to wait for
        }
    }

    public Ec2InventoryOptions Options { get; }

    /// <summary>The latest snapshot. Take it once per lookup; it never changes underneath you.</summary>
    public Ec2Snapshot Current => Volatile.Read(ref _current);

    /// <summary>
    /// A new snapshot was published (after each account refresh, successful or not). Raised on the refreshing
    /// thread; handlers must be quick and must not throw (exceptions are logged and swallowed). With several
    /// accounts refreshing at once a handler may see snapshots out of order: read <see cref="Current"/> for the latest.
    /// </summary>
    public event Action<Ec2Snapshot>? Updated;

    /// <summary>
    /// A refresh of an account failed (throttling included: the exception is then an
    /// <see cref="Ec2ThrottledException"/>). The status is the account's new, stale one. Raised for every failed
    /// attempt, so an auditor may want to record only the first (<see cref="Ec2AccountStatus.ConsecutiveFailures"/> == 1).
    /// </summary>
    public event Action<Ec2AccountStatus, Exception>? AccountFailed;

    /// <summary>An account refreshed successfully after one or more failures.</summary>
    public event Action<Ec2AccountStatus>? AccountRecovered;

    /// <summary>Refreshes every account now, side by side; failures are recorded in the snapshot, not thrown.</summary>
    public Task RefreshNowAsync(CancellationToken cancellationToken) =>
        Task.WhenAll(_slots.Values.Select(slot => RefreshAsync(slot, cancellationToken)));

    /// <summary>
    /// Refreshes one account (by id) and returns its new status. Waits if a refresh of the same account is under
    /// way. Failures are recorded in the status, not thrown; only cancellation throws.
    /// </summary>
    public Task<Ec2AccountStatus> RefreshAccountAsync(string accountId, CancellationToken cancellationToken) =>
        _slots.TryGetValue(accountId, out var slot)
            ? RefreshAsync(slot, cancellationToken)
            : throw new ArgumentException($"account {accountId} is not in {Ec2InventoryOptions.Section}:Accounts", nameof(accountId));

    /// <summary>
    /// Completes with true once every account finished its first refresh (successfully or not), or with false
    /// when <paramref name="timeout"/> passed first, so a starting gateway can wait a little and then serve
    /// what it has.
    /// </summary>
    public async Task<bool> WaitForFirstRefreshAsync(TimeSpan timeout, CancellationToken cancellationToken = default)
    {
        try
        {
            await _firstRefreshDone.Task.WaitAsync(timeout, _time, cancellationToken).ConfigureAwait(false);
            return true;
        }
        catch (TimeoutException)
        {
            return false;
        }
    }

    private async Task<Ec2AccountStatus> RefreshAsync(AccountSlot slot, CancellationToken cancellationToken)
    {
        await slot.Gate.WaitAsync(cancellationToken).ConfigureAwait(false);
        try
        {
            Ec2AccountFetch fetched;
            try
            {
                fetched = await _fetcher.FetchAsync(slot.Account, cancellationToken).ConfigureAwait(false);
            }
            catch (Exception ex) when (!cancellationToken.IsCancellationRequested)
            {
                return RecordFailure(slot, ex);
            }
            return RecordSuccess(slot, fetched);
        }
        finally
        {
            slot.Gate.Release();
        }
    }

    private Ec2AccountStatus RecordSuccess(AccountSlot slot, Ec2AccountFetch fetched)
    {
        var now = _time.GetUtcNow();
        slot.ThrottledInARow = 0;
        var previous = StatusOf(slot);
        var status = previous with
        {
            Instances = fetched.Instances.ToArray(),
            SecurityGroups = fetched.SecurityGroups
                .Concat(previous.SecurityGroups.Where(g => fetched.SecurityGroupRegionsFailed.Contains(g.Region)))
                .ToArray(),
            SecurityGroupsError = fetched.SecurityGroupsError,
            LastSuccess = now,
            LastAttempt = now,
            LastError = null,
            ConsecutiveFailures = 0,
            NextAttemptAt = now + _schedule.AfterRefresh(),
        };
        Publish(status, now);
        LogSecurityGroupsChange(previous, status);
        if (previous.ConsecutiveFailures > 0)
        {
            _logger.LogInformation("EC2 inventory: account {Account} recovered after {Failures} failed refreshes; {Count} instances",
                slot.Account.ToString(), previous.ConsecutiveFailures, status.Instances.Count);
            Raise(AccountRecovered, h => h(status));
        }
        return status;
    }

    /// <summary>
    /// Logs when security groups stop or start being readable, not at every refresh: a role that lacks the permission
    /// lacks it until someone grants it, and the account's status says so meanwhile.
    /// </summary>
    private void LogSecurityGroupsChange(Ec2AccountStatus previous, Ec2AccountStatus status)
    {
        if (status.SecurityGroupsError is { } error && previous.SecurityGroupsError is null)
        {
            _logger.LogWarning("EC2 inventory: account {Account}: {Error}; its instances are served", status.Account.ToString(), error);
        }
        else if (status.SecurityGroupsError is null && previous.SecurityGroupsError is not null)
        {
            _logger.LogInformation("EC2 inventory: account {Account}: security groups read again", status.Account.ToString());
        }
    }

    private Ec2AccountStatus RecordFailure(AccountSlot slot, Exception ex)
    {
        var now = _time.GetUtcNow();
        var throttled = ex is Ec2ThrottledException;
        slot.ThrottledInARow = throttled ? slot.ThrottledInARow + 1 : 0;
        var previous = StatusOf(slot);
        var status = previous with
        {
            LastAttempt = now,
            LastError = ex.Message,
            ConsecutiveFailures = previous.ConsecutiveFailures + 1,
            NextAttemptAt = now + (throttled ? _schedule.AfterThrottling(slot.ThrottledInARow) : _schedule.AfterRefresh()),
        };
        Publish(status, now);
        var age = status.SnapshotAge(now) is { } a ? $"{(long)a.TotalSeconds} s old" : "none fetched yet";
        _logger.LogWarning("EC2 inventory: refresh of account {Account} failed ({Failures} in a row; serving its last good list, {Age}; next try at {Next:HH:mm:ss}): {Error}",
            slot.Account.ToString(), status.ConsecutiveFailures, age, status.NextAttemptAt, ex.Message);
        Raise(AccountFailed, h => h(status, ex));
        return status;
    }

    private Ec2AccountStatus StatusOf(AccountSlot slot) =>
        Current.Accounts.First(a => a.Account.Id == slot.Account.Id);

    /// <summary>
    /// Swaps in a snapshot with the account's new status. The lock only orders writers (two accounts finishing
    /// together must not lose each other's update); readers never take it.
    /// </summary>
    private void Publish(Ec2AccountStatus status, DateTimeOffset now)
    {
        Ec2Snapshot next;
        lock (_publishLock)
        {
            next = Current.With(status, now);
            Volatile.Write(ref _current, next);
        }
        if (next.IsComplete)
        {
            _firstRefreshDone.TrySetResult();
        }
        Raise(Updated, h => h(next));
    }

    private void Raise<T>(T? handlers, Action<T> invoke)
        where T : Delegate
    {
        if (handlers is null)
        {
            return;
        }
        foreach (var handler in handlers.GetInvocationList().Cast<T>())
        {
            try
            {
                invoke(handler);
            }
            catch (Exception ex)
            {
                // A broken subscriber (e.g. the audit writer) must not stop the inventory from refreshing.
                _logger.LogError(ex, "EC2 inventory: an event handler failed");
            }
        }
    }

    /// <summary>Per-account state that is not part of the published status.</summary>
    private sealed class AccountSlot(Ec2AccountOptions account)
    {
        public Ec2AccountOptions Account { get; } = account;

        /// <summary>One refresh of an account at a time (the schedule and RefreshNowAsync may overlap).</summary>
        public SemaphoreSlim Gate { get; } = new(1, 1);

        public int ThrottledInARow { get; set; }
    }
}
