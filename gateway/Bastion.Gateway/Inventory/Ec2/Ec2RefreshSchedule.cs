namespace Bastion.Gateway.Inventory.Ec2;

/// <summary>
/// When an account is refreshed next: every <see cref="Ec2InventoryOptions.RefreshSeconds"/> give or take the
/// jitter; after throttling, exponentially later (bounded by <see cref="Ec2InventoryOptions.MaxBackoffSeconds"/>)
/// so the gateway does not add to the load that made AWS throttle it.
/// </summary>
public sealed class Ec2RefreshSchedule
{
    private readonly Ec2InventoryOptions _options;
    private readonly Random _random;

    /// <param name="random">Source of jitter; null: <see cref="Random.Shared"/>.</param>
    public Ec2RefreshSchedule(Ec2InventoryOptions options, Random? random = null)
    {
        _options = options ?? throw new ArgumentNullException(nameof(options));
        _random = random ?? Random.Shared;
    }

    /// <summary>The wait after a refresh that succeeded or failed for a reason other than throttling.</summary>
    public TimeSpan AfterRefresh() => Jitter(TimeSpan.FromSeconds(_options.RefreshSeconds));

    /// <summary>The wait after the <paramref name="throttledInARow"/>-th throttled refresh in a row (1-based).</summary>
    public TimeSpan AfterThrottling(int throttledInARow)
    {
        var doublings = Math.Clamp(throttledInARow - 1, 0, 30);
        var seconds = Math.Min(_options.ThrottleBackoffSeconds * Math.Pow(2, doublings), _options.MaxBackoffSeconds);
        return Jitter(TimeSpan.FromSeconds(seconds));
    }

    private TimeSpan Jitter(TimeSpan period)
    {
        var fraction = Math.Clamp(_options.JitterFraction, 0, 0.5);
        if (fraction == 0)
        {
            return period;
        }
        var factor = 1 + fraction * (2 * _random.NextDouble() - 1);
        return period * factor;
    }
}
