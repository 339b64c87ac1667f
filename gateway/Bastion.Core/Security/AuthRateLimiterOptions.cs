namespace Bastion.Core.Security;

/// <summary>Thresholds for <see cref="AuthRateLimiter"/>. The defaults suit an interactive bastion.</summary>
public sealed record AuthRateLimiterOptions
{
    /// <summary>Failures for one user name within <see cref="Window"/> that trigger a lockout.</summary>
    public int MaxFailuresPerUser { get; init; } = 5;

    /// <summary>Failures from one source address within <see cref="Window"/> that trigger a lockout.</summary>
    public int MaxFailuresPerAddress { get; init; } = 20;

    /// <summary>The sliding window over which failures are counted.</summary>
    public TimeSpan Window { get; init; } = TimeSpan.FromMinutes(10);

    /// <summary>How long a user or address stays locked out.</summary>
    public TimeSpan LockoutDuration { get; init; } = TimeSpan.FromMinutes(15);

    /// <summary>
    /// Most user names and most addresses tracked (each); beyond that the least recently seen are forgotten,
    /// so a flood of made-up names or spoofed sources cannot exhaust memory.
    /// </summary>
    public int MaxTrackedEntries { get; init; } = 10_000;
}
