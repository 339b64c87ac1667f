namespace Bastion.Core.Inventory;

/// <summary>
/// What the cloud inventory knows about an instance behind a target. <see cref="DataAsOf"/> is when its account
/// was last read successfully, so audit events can say how old the answer was.
/// </summary>
public sealed record InstanceDetails(
    string InstanceId,
    string AccountId,
    string AccountAlias,
    string Region,
    string? VpcId,
    string State,
    IReadOnlyList<string> PrivateIps,
    string? PrivateDnsName,
    DateTimeOffset? LaunchTime,
    DateTimeOffset? DataAsOf)
{
    public const string Running = "running";

    public bool IsRunning => string.Equals(State, Running, StringComparison.OrdinalIgnoreCase);
}
