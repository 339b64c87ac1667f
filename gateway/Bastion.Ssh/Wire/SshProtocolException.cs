namespace Bastion.Ssh.Wire;

/// <summary>SSH_DISCONNECT reason codes (RFC 4253 §11.1).</summary>
public enum DisconnectReason : uint
{
    None = 0,
    HostNotAllowedToConnect = 1,
    ProtocolError = 2,
    KeyExchangeFailed = 3,
    Reserved = 4,
    MacError = 5,
    CompressionError = 6,
    ServiceNotAvailable = 7,
    ProtocolVersionNotSupported = 8,
    HostKeyNotVerifiable = 9,
    ConnectionLost = 10,
    ByApplication = 11,
    TooManyConnections = 12,
    AuthCancelledByUser = 13,
    NoMoreAuthMethodsAvailable = 14,
    IllegalUserName = 15,
}

/// <summary>
/// The peer broke the protocol. The session answers with SSH_MSG_DISCONNECT carrying <see cref="Reason"/>
/// and the message, then closes; nothing else in the process is affected.
/// </summary>
public sealed class SshProtocolException : Exception
{
    public SshProtocolException(DisconnectReason reason, string message) : base(message) => Reason = reason;

    public SshProtocolException(string message) : this(DisconnectReason.ProtocolError, message) { }

    public DisconnectReason Reason { get; }
}
