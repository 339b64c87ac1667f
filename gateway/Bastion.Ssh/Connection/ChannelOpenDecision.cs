using Bastion.Ssh.Messages;

namespace Bastion.Ssh.Connection;

/// <summary>Bytes relayed by one channel, reported when it closes.</summary>
public sealed record ChannelTrafficStats(long BytesFromClient, long BytesToClient, TimeSpan Duration, string CloseReason);

/// <summary>The application's answer to a direct-tcpip open.</summary>
public sealed record ChannelOpenDecision
{
    private ChannelOpenDecision() { }

    public Stream? Target { get; private init; }

    public ChannelOpenFailureReason FailureReason { get; private init; }

    public string? FailureDescription { get; private init; }

    /// <summary>Called once when the channel is closed, with byte counts for the audit trail.</summary>
    public Func<ChannelTrafficStats, ValueTask>? OnClosed { get; private init; }

    /// <summary>Called once the channel is confirmed; the channel's byte counters can be read while it lives.</summary>
    public Action<SshChannel>? OnStarted { get; private init; }

    /// <summary>Relay the channel to <paramref name="target"/> (owned by the channel from now on).</summary>
    public static ChannelOpenDecision Accept(Stream target, Func<ChannelTrafficStats, ValueTask>? onClosed = null, Action<SshChannel>? onStarted = null) =>
        new() { Target = target, OnClosed = onClosed, OnStarted = onStarted };

    /// <summary>Refuse; <paramref name="description"/> is shown by OpenSSH as "open failed: …: description".</summary>
    public static ChannelOpenDecision Reject(ChannelOpenFailureReason reason, string description) =>
        new() { FailureReason = reason, FailureDescription = description };
}
