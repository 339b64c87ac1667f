namespace Bastion.Core.Store;

/// <summary>
/// Failure budgets and lockouts of login subjects ("user:alice", "address:203.0.113.0/64"), kept in the store so that
/// every gateway node and the admin app sharing it count together and honour each other's lockouts. Each method is
/// one statement the database decides atomically, the same on SQLite and PostgreSQL. Rows expire (see
/// <see cref="PurgeAuthFailuresAsync"/>) rather than being evicted, so no flood of made-up names can push out a lockout.
/// </summary>
public interface IAuthFailureStore
{
    /// <summary>
    /// Counts <paramref name="amount"/> failures of <paramref name="subject"/> at <paramref name="at"/> under
    /// <paramref name="rule"/> and returns the subject's state after them. While the subject is locked, failures
    /// neither count nor extend the lockout. <see cref="AuthFailureState.StartedLockout"/> is true for exactly one
    /// call per lockout, whichever node makes it, so that call alone audits and alerts.
    /// </summary>
    Task<AuthFailureState> RecordAuthFailureAsync(string subject, AuthFailureRule rule, DateTimeOffset at, int amount = 1, CancellationToken ct = default);

    /// <summary>The lockouts among <paramref name="subjects"/> still in force at <paramref name="at"/>: one round trip.</summary>
    Task<IReadOnlyList<AuthLockout>> GetAuthLockoutsAsync(IReadOnlyList<string> subjects, DateTimeOffset at, CancellationToken ct = default);

    /// <summary>
    /// Takes back up to <paramref name="count"/> failures of the subject's current window, unless it is locked (a
    /// connection that then logged in: the keys it offered first were its owner's, not a guess at someone else's).
    /// </summary>
    Task ForgiveAuthFailuresAsync(string subject, int count, DateTimeOffset at, CancellationToken ct = default);

    /// <summary>Every lockout in force at <paramref name="at"/>, latest end first (for operators).</summary>
    Task<IReadOnlyList<AuthLockout>> ListAuthLockoutsAsync(DateTimeOffset at, CancellationToken ct = default);

    /// <summary>Forgets everything about <paramref name="subject"/>, lifting its lockout; true if there was anything.</summary>
    Task<bool> ClearAuthFailuresAsync(string subject, CancellationToken ct = default);

    /// <summary>Deletes the rows that no longer matter at <paramref name="at"/>; returns how many.</summary>
    Task<int> PurgeAuthFailuresAsync(DateTimeOffset at, CancellationToken ct = default);
}

/// <summary>How failures of one kind of subject are counted and punished.</summary>
/// <param name="Threshold">Failures within <paramref name="Window"/> that start a lockout (int.MaxValue: never, a plain counter).</param>
/// <param name="Window">Failures are counted in a window that opens at the first failure and lasts this long.</param>
/// <param name="Lockouts">
/// How long the 1st, 2nd, … lockout lasts; the last entry repeats. One entry: every lockout is the same.
/// </param>
/// <param name="Memory">
/// The lockout count restarts after this long without a failure (so repeated lockouts grow while the failures go on).
/// </param>
public sealed record AuthFailureRule(int Threshold, TimeSpan Window, IReadOnlyList<TimeSpan> Lockouts, TimeSpan Memory)
{
    /// <summary>A counter that never locks, kept for <paramref name="window"/> (alert thresholds).</summary>
    public static AuthFailureRule Counter(TimeSpan window) => new(int.MaxValue, window, [TimeSpan.Zero], window);

    /// <summary>When a row last touched at <paramref name="at"/> stops mattering: no window, lockout or memory reaches past it.</summary>
    public DateTimeOffset ExpiresAfter(DateTimeOffset at) => at + new[] { Window, Memory, Lockouts.Max() }.Max();
}

/// <param name="Failures">Failures in the current window (0 right after a lockout starts).</param>
/// <param name="LockedUntil">End of the subject's latest lockout, which may be over.</param>
/// <param name="Lockouts">Lockouts so far (within <see cref="AuthFailureRule.Memory"/> of each other).</param>
/// <param name="StartedLockout">This call's failure started the lockout.</param>
public sealed record AuthFailureState(int Failures, DateTimeOffset? LockedUntil, int Lockouts, bool StartedLockout)
{
    public bool IsLockedAt(DateTimeOffset at) => LockedUntil is { } until && until > at;
}

/// <param name="Lockouts">How many lockouts the subject has had in a row, this one included.</param>
public sealed record AuthLockout(string Subject, DateTimeOffset LockedUntil, int Lockouts);
