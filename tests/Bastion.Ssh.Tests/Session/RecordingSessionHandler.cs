using Bastion.Ssh.Algorithms.PublicKeys;
using Bastion.Ssh.Authentication;
using Bastion.Ssh.Connection;
using Bastion.Ssh.Messages;
using Bastion.Ssh.Transport;

namespace Bastion.Ssh.Tests.Session;

/// <summary>
/// A minimal application for library tests: one accepted key, then a keyboard-interactive code; sessions answer
/// "exec" with the command echoed back and exit status 7. Records what happened for assertions.
/// </summary>
internal sealed class RecordingSessionHandler : ISshSessionHandler
{
    private readonly byte[] _acceptedKey;
    private readonly string? _requiredCode;
    private bool _keyDone;

    public RecordingSessionHandler(byte[] acceptedKey, string? requiredCode)
    {
        _acceptedKey = acceptedKey;
        _requiredCode = requiredCode;
    }

    public List<string> Events { get; } = new();

    public NegotiatedAlgorithms? Algorithms { get; private set; }

    public TaskCompletionSource<string> Disconnected { get; } = new(TaskCreationOptions.RunContinuationsAsynchronously);

    public ValueTask OnKeyExchangeCompletedAsync(NegotiatedAlgorithms algorithms, TimeSpan elapsed, bool initial)
    {
        Algorithms = algorithms;
        Events.Add(initial ? "kex" : "rekey");
        return ValueTask.CompletedTask;
    }

    public ValueTask<AuthResult> AuthenticateNoneAsync(string userName, CancellationToken cancellationToken) =>
        ValueTask.FromResult(AuthResult.List(["publickey"]));

    /// <summary>Public-key queries (no signature) the client sent.</summary>
    public int KeyQueries { get; private set; }

    public ValueTask<bool> IsPublicKeyAcceptableAsync(string userName, SshPublicKey key, CancellationToken cancellationToken)
    {
        KeyQueries++;
        return ValueTask.FromResult(key.Blob.AsSpan().SequenceEqual(_acceptedKey));
    }

    /// <summary>Thrown from the signed publickey step, as an application whose database just went away would.</summary>
    public Exception? FailAuthenticationWith { get; init; }

    /// <summary>The application's <see cref="ISshSessionHandler.DescribeFailure"/>; null keeps the library's default.</summary>
    public Func<Exception, string?>? Describe { get; init; }

    string? ISshSessionHandler.DescribeFailure(Exception exception) => Describe?.Invoke(exception);

    public ValueTask<AuthResult> AuthenticatePublicKeyAsync(string userName, SshPublicKey key, string algorithm, SignatureCheck signature, CancellationToken cancellationToken)
    {
        if (FailAuthenticationWith is { } failure)
        {
            throw failure;
        }
        if (!key.Blob.AsSpan().SequenceEqual(_acceptedKey))
        {
            return ValueTask.FromResult(AuthResult.Failed(["publickey"]));
        }
        Events.Add($"publickey {algorithm}");
        _keyDone = true;
        return ValueTask.FromResult(_requiredCode is null ? AuthResult.Succeeded() : AuthResult.Partial(["keyboard-interactive"]));
    }

    public ValueTask<KeyboardInteractiveStep> BeginKeyboardInteractiveAsync(string userName, CancellationToken cancellationToken) =>
        ValueTask.FromResult(_keyDone
            ? KeyboardInteractiveStep.Ask("test", "", new KeyboardInteractivePrompt("Code: ", false))
            : KeyboardInteractiveStep.Done(AuthResult.List(["publickey"])));

    public ValueTask<KeyboardInteractiveStep> ContinueKeyboardInteractiveAsync(string userName, IReadOnlyList<string> responses, CancellationToken cancellationToken)
    {
        var ok = responses.Count == 1 && responses[0] == _requiredCode;
        Events.Add(ok ? "code ok" : "code wrong");
        return ValueTask.FromResult(KeyboardInteractiveStep.Done(ok ? AuthResult.Succeeded() : AuthResult.Failed(["keyboard-interactive"], "wrong code")));
    }

    public ValueTask OnAuthenticationRejectedAsync(string userName, string method, string reason)
    {
        Events.Add($"rejected {method}: {reason}");
        return ValueTask.CompletedTask;
    }

    public ValueTask<ChannelOpenDecision> OpenDirectTcpIpAsync(DirectTcpIpChannelOpen request, CancellationToken cancellationToken) =>
        ValueTask.FromResult(ChannelOpenDecision.Reject(ChannelOpenFailureReason.AdministrativelyProhibited, "no forwarding in this test"));

    /// <summary>When set, every session open gets this answer instead of a channel.</summary>
    public SessionOpenDecision? RefuseSessionsWith { get; init; }

    public ValueTask<SessionOpenDecision> OpenSessionAsync(CancellationToken cancellationToken) =>
        ValueTask.FromResult(RefuseSessionsWith ?? SessionOpenDecision.Accept(new EchoCommandSession()));

    public ValueTask OnDisconnectedAsync(string reason, long bytesReceived, long bytesSent)
    {
        Disconnected.TrySetResult(reason);
        return ValueTask.CompletedTask;
    }

    public ValueTask DisposeAsync() => ValueTask.CompletedTask;

    private sealed class EchoCommandSession : ISessionChannelHandler
    {
        public ValueTask<bool> OnRequestAsync(SessionChannel channel, ChannelRequestDetails request, CancellationToken cancellationToken)
        {
            if (request is ExecRequest exec)
            {
                _ = Task.Run(async () =>
                {
                    await channel.WriteAsync($"ran: {exec.Command}\n", cancellationToken);
                    await channel.WriteErrorAsync("to stderr\n", cancellationToken);
                    await channel.ExitAsync(7);
                }, CancellationToken.None);
                return ValueTask.FromResult(true);
            }
            return ValueTask.FromResult(request is EnvRequest or PtyRequest);
        }

        public ValueTask OnClosedAsync(SessionChannel channel) => ValueTask.CompletedTask;
    }
}
