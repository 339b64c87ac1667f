using System.Net;
using Bastion.Ssh.Algorithms.PublicKeys;
using Bastion.Ssh.Authentication;
using Bastion.Ssh.Connection;
using Bastion.Ssh.Messages;

namespace Bastion.Ssh;

/// <summary>What the server knows about a connection when it is accepted.</summary>
public sealed record SshConnectionInfo(string SessionId, EndPoint? RemoteEndPoint, EndPoint? LocalEndPoint)
{
    private Action<string>? _close;

    /// <summary>The client's identification line, known after the version exchange.</summary>
    public string? ClientVersion { get; internal set; }

    /// <summary>
    /// The client closed the connection without sending a single byte: a TCP health check or a port probe, not an
    /// SSH client. Known when the handler hears of the disconnect, so it can count such connections instead of auditing each.
    /// </summary>
    public bool ClosedWithoutAWord { get; internal set; }

    /// <summary>
    /// Ends the connection from outside the protocol (an operator's kill): the client gets SSH_MSG_DISCONNECT with
    /// <paramref name="reason"/>, and the handler's OnDisconnectedAsync reports it. No effect once it has ended.
    /// </summary>
    public void Close(string reason) => _close?.Invoke(reason);

    internal void OnClose(Action<string>? close) => _close = close;
}

/// <summary>Creates one <see cref="ISshSessionHandler"/> per accepted connection. Implemented by the application.</summary>
public interface ISshSessionHandlerFactory
{
    ISshSessionHandler Create(SshConnectionInfo connection);
}

/// <summary>
/// The application's side of one connection: it decides authentication (the library does the protocol and
/// signature checks) and what channels may do. Calls for one connection never overlap, except that channel
/// opens may run while later packets are processed.
/// </summary>
public interface ISshSessionHandler : IAsyncDisposable
{
    /// <summary>Transport is up: the client version and negotiated algorithms are known.</summary>
    ValueTask OnKeyExchangeCompletedAsync(Transport.NegotiatedAlgorithms algorithms, TimeSpan elapsed, bool initial);

    /// <summary>The "none" method: normally a failure listing the methods that can continue.</summary>
    ValueTask<AuthResult> AuthenticateNoneAsync(string userName, CancellationToken cancellationToken);

    /// <summary>
    /// Query phase of "publickey": may this key be used (answered with PK_OK)? No proof of possession yet. False counts
    /// toward <see cref="SshServerOptions.MaxAuthAttempts"/>; answer it the same way for an unknown user as for a known
    /// user with another key, or the answer tells who has an account.
    /// </summary>
    ValueTask<bool> IsPublicKeyAcceptableAsync(string userName, SshPublicKey key, CancellationToken cancellationToken);

    /// <summary>The client proved possession of <paramref name="key"/> (signature verified by the library).</summary>
    ValueTask<AuthResult> AuthenticatePublicKeyAsync(string userName, SshPublicKey key, string algorithm, SignatureCheck signature, CancellationToken cancellationToken);

    /// <summary>Starts keyboard-interactive: returns prompts, or a result if the method cannot be used now.</summary>
    ValueTask<KeyboardInteractiveStep> BeginKeyboardInteractiveAsync(string userName, CancellationToken cancellationToken);

    /// <summary>Answers to the prompts of the previous step.</summary>
    ValueTask<KeyboardInteractiveStep> ContinueKeyboardInteractiveAsync(string userName, IReadOnlyList<string> responses, CancellationToken cancellationToken);

    /// <summary>
    /// An attempt failed inside the protocol layer (bad signature, unsupported algorithm, a method not offered or not
    /// offered at this stage); it counts toward <see cref="SshServerOptions.MaxAuthAttempts"/>.
    /// </summary>
    ValueTask OnAuthenticationRejectedAsync(string userName, string method, string reason);

    /// <summary>A direct-tcpip channel (ProxyJump, -L) was requested.</summary>
    ValueTask<ChannelOpenDecision> OpenDirectTcpIpAsync(DirectTcpIpChannelOpen request, CancellationToken cancellationToken);

    /// <summary>A session channel was requested: accept it with a handler, or refuse it with a reason the client sees.</summary>
    ValueTask<SessionOpenDecision> OpenSessionAsync(CancellationToken cancellationToken);

    /// <summary>The connection ended; <paramref name="reason"/> says why (for the audit trail).</summary>
    ValueTask OnDisconnectedAsync(string reason, long bytesReceived, long bytesSent);

    /// <summary>
    /// A call into this handler threw. Return the sentence for the client if the failure is one the application
    /// knows (its database is unreachable, say): the connection ends with it and the server logs one line. Null: an
    /// unexpected error — the client is told only that the server failed, and the exception is logged in full.
    /// </summary>
    string? DescribeFailure(Exception exception) => null;
}
