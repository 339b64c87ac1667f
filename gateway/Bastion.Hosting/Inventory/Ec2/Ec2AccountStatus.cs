namespace Bastion.Hosting.Inventory.Ec2;

/// <summary>
/// What the gateway knows of one account: its last good instance list and how the latest refreshes went.
/// Immutable; each refresh makes a new one.
/// </summary>
/// <param name="Instances">Instances from the last successful refresh (kept while later ones fail).</param>
/// <param name="LastSuccess">End of the last successful refresh; null until one succeeded.</param>
/// <param name="LastAttempt">End of the latest refresh, successful or not; null before the first.</param>
/// <param name="LastError">Message of the latest failure while it is not followed by a success.</param>
/// <param name="ConsecutiveFailures">Failed refreshes since the last success (throttling included).</param>
/// <param name="NextAttemptAt">When the refresher will try again; null: as soon as it runs.</param>
public sealed record Ec2AccountStatus(
    Ec2AccountOptions Account,
    IReadOnlyList<Ec2Instance> Instances,
    DateTimeOffset? LastSuccess,
    DateTimeOffset? LastAttempt,
    string? LastError,
    int ConsecutiveFailures,
    DateTimeOffset? NextAttemptAt)
{
    /// <summary>
    /// The security groups <see cref="Instances"/> use, read by the same refresh. A region whose groups could not be
    /// read keeps the ones read before, so an open rule stays reported while the gateway cannot look, rather than
    /// seeming to close.
    /// </summary>
    public IReadOnlyList<Ec2SecurityGroup> SecurityGroups { get; init; } = [];

    /// <summary>
    /// Why the last successful refresh could not read (some of) the security groups, saying what to grant; null when
    /// it read them all. The instances are served either way.
    /// </summary>
    public string? SecurityGroupsError { get; init; }

    /// <summary>A fresh account: nothing fetched, nothing tried.</summary>
    public static Ec2AccountStatus NotYetRefreshed(Ec2AccountOptions account) => new(account, [], null, null, null, 0, null);

    /// <summary>
    /// The latest refresh failed, so <see cref="Instances"/> are those of an older one (or none, if no refresh
    /// ever succeeded).
    /// </summary>
    public bool IsStale => ConsecutiveFailures > 0;

    /// <summary>At least one refresh finished (successfully or not).</summary>
    public bool HasBeenAttempted => LastAttempt is not null;

    /// <summary>How old <see cref="Instances"/> are at <paramref name="now"/>; null when nothing was ever fetched.</summary>
    public TimeSpan? SnapshotAge(DateTimeOffset now) => LastSuccess is { } success ? now - success : null;
}
