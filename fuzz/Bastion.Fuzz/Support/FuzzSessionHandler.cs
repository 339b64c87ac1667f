using Bastion.Ssh;
using Bastion.Ssh.Algorithms.PublicKeys;
using Bastion.Ssh.Authentication;
using Bastion.Ssh.Connection;
using Bastion.Ssh.Messages;
using Bastion.Ssh.Transport;

namespace Bastion.Fuzz.Support;

/// <summary>
/// A deterministic application for the session targets: "none" lists both methods; any Ed25519 key is acceptable and a
/// valid signature by one is a partial success; keyboard-interactive asks one question and accepts <see cref="SessionScript.Code"/>.
/// Direct-tcpip channels are accepted to an empty target; session channels accept exec/shell/pty/env/subsystem and
/// answer exec with a line of output and an exit status. It never throws.
/// </summary>
internal class FuzzSessionHandler : ISshSessionHandler
{
    public ValueTask OnKeyExchangeCompletedAsync(NegotiatedAlgorithms algorithms, TimeSpan elapsed, bool initial) => ValueTask.CompletedTask;

    public ValueTask<AuthResult> AuthenticateNoneAsync(string userName, CancellationToken cancellationToken) =>
        ValueTask.FromResult(AuthResult.List(["publickey", "keyboard-interactive"]));

    public virtual ValueTask<bool> IsPublicKeyAcceptableAsync(string userName, SshPublicKey key, CancellationToken cancellationToken) =>
        ValueTask.FromResult(key.KeyType == "ssh-ed25519");

    public virtual ValueTask<AuthResult> AuthenticatePublicKeyAsync(string userName, SshPublicKey key, string algorithm, SignatureCheck signature, CancellationToken cancellationToken) =>
        ValueTask.FromResult(signature.Valid ? AuthResult.Partial(["keyboard-interactive"]) : AuthResult.Failed(["publickey", "keyboard-interactive"]));

    public virtual ValueTask<KeyboardInteractiveStep> BeginKeyboardInteractiveAsync(string userName, CancellationToken cancellationToken) =>
        ValueTask.FromResult(userName == SessionScript.User
            ? KeyboardInteractiveStep.Ask("fuzz", "", new KeyboardInteractivePrompt("Code: ", false))
            : KeyboardInteractiveStep.Done(AuthResult.Failed(["publickey", "keyboard-interactive"])));

    public ValueTask<KeyboardInteractiveStep> ContinueKeyboardInteractiveAsync(string userName, IReadOnlyList<string> responses, CancellationToken cancellationToken) =>
        ValueTask.FromResult(KeyboardInteractiveStep.Done(responses is [SessionScript.Code]
            ? AuthResult.Succeeded()
            : AuthResult.Failed(["publickey", "keyboard-interactive"], "wrong code")));

    public ValueTask OnAuthenticationRejectedAsync(string userName, string method, string reason) => ValueTask.CompletedTask;

    public ValueTask<ChannelOpenDecision> OpenDirectTcpIpAsync(DirectTcpIpChannelOpen request, CancellationToken cancellationToken) =>
        ValueTask.FromResult(request.PortToConnect == 22
            ? ChannelOpenDecision.Accept(new MemoryStream("SSH-2.0-target\r\n"u8.ToArray()))
            : ChannelOpenDecision.Reject(ChannelOpenFailureReason.ConnectFailed, "no such target"));

    public ValueTask<SessionOpenDecision> OpenSessionAsync(CancellationToken cancellationToken) =>
        ValueTask.FromResult(SessionOpenDecision.Accept(new Session()));

    public ValueTask OnDisconnectedAsync(string reason, long bytesReceived, long bytesSent) => ValueTask.CompletedTask;

    public ValueTask DisposeAsync() => ValueTask.CompletedTask;

    private sealed class Session : ISessionChannelHandler
    {
        /// <summary>As the interface asks: exec starts its work in a task and returns (writing inline would wait for window
        /// space that only the read loop this call blocks can deliver).</summary>
        public ValueTask<bool> OnRequestAsync(SessionChannel channel, ChannelRequestDetails request, CancellationToken cancellationToken)
        {
            switch (request)
            {
                case ExecRequest exec:
                    _ = Task.Run(async () =>
                    {
                        try
                        {
                            await channel.WriteAsync($"ran: {exec.Command}\n", channel.Closing);
                            await channel.ExitAsync(0);
                        }
                        catch (OperationCanceledException)
                        {
                            // The channel or connection closed first.
                        }
                    }, CancellationToken.None);
                    return ValueTask.FromResult(true);
                case ShellRequest or PtyRequest or EnvRequest or SubsystemRequest or WindowChangeRequest:
                    return ValueTask.FromResult(true);
                default:
                    return ValueTask.FromResult(false);
            }
        }

        public ValueTask OnClosedAsync(SessionChannel channel) => ValueTask.CompletedTask;
    }
}
