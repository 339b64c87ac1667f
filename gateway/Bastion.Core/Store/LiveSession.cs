namespace Bastion.Core.Store;

/// <summary>
/// A forwarded channel held open right now by some gateway node, as auditors see it. Rows are written by the node
/// that holds the connection and removed when it closes; bytes are refreshed every few seconds.
/// </summary>
public sealed record LiveSession(
    string ChannelId,
    string SessionId,
    string NodeId,
    string UserName,
    string SourceAddress,
    string TargetName,
    string TargetAddress,
    string? InstanceId,
    string? Account,
    DateTimeOffset StartedAt,
    long BytesFromClient,
    long BytesToClient,
    DateTimeOffset UpdatedAt);

/// <summary>A request (from an auditor) that the node holding <see cref="SessionId"/> close that connection.</summary>
public sealed record KillRequest(long Id, string SessionId, string RequestedBy, DateTimeOffset RequestedAt);
