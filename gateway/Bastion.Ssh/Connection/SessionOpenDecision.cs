using Bastion.Ssh.Messages;

namespace Bastion.Ssh.Connection;

/// <summary>
/// The application's answer to a "session" channel open: a handler for the channel, or a refusal with a reason and a
/// sentence for the client (OpenSSH prints "channel N: open failed: REASON: DESCRIPTION"), as
/// <see cref="ChannelOpenDecision"/> is for direct-tcpip.
/// </summary>
public sealed record SessionOpenDecision
{
    private SessionOpenDecision() { }

    /// <summary>Null when refused.</summary>
    public ISessionChannelHandler? Handler { get; private init; }

    public ChannelOpenFailureReason FailureReason { get; private init; }

    public string? FailureDescription { get; private init; }

    /// <summary>Open the channel; <paramref name="handler"/> hears its requests and, once, its close.</summary>
    public static SessionOpenDecision Accept(ISessionChannelHandler handler) => new() { Handler = handler };

    /// <summary>Refuse; <paramref name="description"/> is shown by OpenSSH as "open failed: …: description".</summary>
    public static SessionOpenDecision Reject(ChannelOpenFailureReason reason, string description) =>
        new() { FailureReason = reason, FailureDescription = description };
}
