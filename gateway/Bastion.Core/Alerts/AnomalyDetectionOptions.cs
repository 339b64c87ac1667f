namespace Bastion.Core.Alerts;

/// <summary>Thresholds of the anomaly detectors. The gateway fills this from Bastion:Alerts after validating it.</summary>
public sealed class AnomalyDetectionOptions
{
    /// <summary>Logins from the same IPv4 network of this prefix length count as one "source network".</summary>
    public int NewNetworkPrefixV4 { get; init; } = 24;

    /// <summary>Same for IPv6; /64 is one LAN or one home connection.</summary>
    public int NewNetworkPrefixV6 { get; init; } = 64;

    /// <summary>
    /// Whether a user's very first network, target or account raises an alert. Off by default: with no history
    /// there is nothing "unusual" to compare against, and when alerts are switched on every existing user's next
    /// login would page someone — alert fatigue on day one teaches people to ignore the channel.
    /// </summary>
    public bool AlertOnFirstEverLogin { get; init; }

    /// <summary>Unusual-hour alerts start once a user has this many logins on record.</summary>
    public int MinLoginsForHourBaseline { get; init; } = 20;

    /// <summary>An hour is usual if the user logged in within this many hours of it (on either side).</summary>
    public int HourTolerance { get; init; } = 1;

    /// <summary>Time zone of "hour of day" (people keep office hours in local time).</summary>
    public TimeZoneInfo TimeZone { get; init; } = TimeZoneInfo.Utc;

    /// <summary>Failures for one user (or from one address) within the window that make a burst.</summary>
    public int MfaFailureBurstThreshold { get; init; } = 5;

    public TimeSpan MfaFailureBurstWindow { get; init; } = TimeSpan.FromMinutes(5);

    /// <summary>Records waiting for evaluation; beyond this they are dropped (and counted) rather than slow the trail.</summary>
    public int QueueCapacity { get; init; } = 10_000;
}
