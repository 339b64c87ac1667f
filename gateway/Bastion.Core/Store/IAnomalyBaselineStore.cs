namespace Bastion.Core.Store;

/// <summary>
/// What anomaly detection has learned about each user (networks, targets, accounts, login hours) and which
/// failure bursts are in progress. Shared by all gateway nodes, and every method decides atomically in the
/// database, so two nodes that see the same first fact at the same moment raise one alert, not two.
/// </summary>
public interface IAnomalyBaselineStore
{
    /// <summary>
    /// Records <paramref name="value"/> (e.g. the network "198.51.100.0/24") as known for <paramref name="user"/>
    /// under <paramref name="kind"/> (e.g. "network"). <see cref="FirstSeenResult.IsNew"/> is true only for the one
    /// call that inserted it; <see cref="FirstSeenResult.KnownBefore"/> counts the values of that kind known before.
    /// </summary>
    Task<FirstSeenResult> TryRecordFirstSeenAsync(string user, string kind, string value, DateTimeOffset at, CancellationToken ct = default);

    /// <summary>
    /// Counts one login of <paramref name="user"/> in <paramref name="hour"/> (0–23) and returns the 24 hourly
    /// counts as they were just before this one, read in the same transaction.
    /// </summary>
    Task<IReadOnlyList<long>> RecordLoginHourAsync(string user, int hour, CancellationToken ct = default);

    /// <summary>
    /// Notes that <paramref name="subject"/> (e.g. "user:alice") is in a burst at <paramref name="at"/>. Returns
    /// true if this starts a new episode: none was recorded, or the last one was last seen before
    /// <paramref name="at"/> minus <paramref name="quietPeriod"/>. Otherwise the running episode is extended.
    /// </summary>
    Task<bool> TryStartEpisodeAsync(string subject, DateTimeOffset at, TimeSpan quietPeriod, CancellationToken ct = default);

    /// <summary>
    /// Whether <paramref name="subject"/> has an episode that was last seen within <paramref name="quietPeriod"/> before
    /// <paramref name="at"/> (read only: neither starts nor extends one).
    /// </summary>
    Task<bool> IsEpisodeRunningAsync(string subject, DateTimeOffset at, TimeSpan quietPeriod, CancellationToken ct = default);
}

/// <param name="IsNew">This call recorded the value; no earlier call (on any node) had.</param>
/// <param name="KnownBefore">How many values of the same kind the user had before this call.</param>
public sealed record FirstSeenResult(bool IsNew, int KnownBefore);
