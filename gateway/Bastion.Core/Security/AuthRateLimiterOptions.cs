namespace Bastion.Core.Security;

/// <summary>Thresholds for <see cref="AuthRateLimiter"/>. The defaults suit an interactive bastion.</summary>
public sealed record AuthRateLimiterOptions
{
    /// <summary>Failures for one user name within <see cref="UserWindow"/> that trigger a lockout.</summary>
    public int MaxFailuresPerUser { get; init; } = 5;

    /// <summary>
    /// How long failures of a user are counted (from the first). Long on purpose: with a short window someone holding
    /// a stolen key could guess just under the threshold forever and never be locked out.
    /// </summary>
    public TimeSpan UserWindow { get; init; } = TimeSpan.FromHours(24);

    /// <summary>Failures from one source address (IPv6: one /64) within <see cref="Window"/> that trigger a lockout.</summary>
    public int MaxFailuresPerAddress { get; init; } = 20;

    /// <summary>How long failures from an address are counted (from the first).</summary>
    public TimeSpan Window { get; init; } = TimeSpan.FromMinutes(10);

    /// <summary>How long an address, or a user the first time, stays locked out.</summary>
    public TimeSpan LockoutDuration { get; init; } = TimeSpan.FromMinutes(15);

    /// <summary>Each further lockout of a user lasts twice the one before, up to this.</summary>
    public TimeSpan MaxLockoutDuration { get; init; } = TimeSpan.FromHours(24);

    /// <summary>A user's lockouts start again from <see cref="LockoutDuration"/> after this long without a failure.</summary>
    public TimeSpan LockoutMemory { get; init; } = TimeSpan.FromDays(7);

    /// <summary>
    /// Most lockouts this process remembers to refuse connections without asking the store; the store decides, so
    /// one not remembered only costs a query. Keeps memory capped whatever the number of names or addresses seen.
    /// </summary>
    public int MaxCachedLockouts { get; init; } = 10_000;

    /// <summary>The durations of a user's 1st, 2nd, … lockout: doubling from <see cref="LockoutDuration"/>, the last one repeating.</summary>
    public IReadOnlyList<TimeSpan> UserLockoutSchedule()
    {
        var schedule = new List<TimeSpan>();
        for (var duration = LockoutDuration; duration < MaxLockoutDuration && schedule.Count < 32; duration *= 2)
        {
            schedule.Add(duration);
        }
        schedule.Add(MaxLockoutDuration > LockoutDuration ? MaxLockoutDuration : LockoutDuration);
        return schedule;
    }
}
