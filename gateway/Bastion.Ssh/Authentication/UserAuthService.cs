using Bastion.Ssh.Algorithms.PublicKeys;
using Bastion.Ssh.Messages;
using Bastion.Ssh.Transport;
using Bastion.Ssh.Wire;
using Microsoft.Extensions.Logging;

namespace Bastion.Ssh.Authentication;

/// <summary>
/// The server side of "ssh-userauth" (RFC 4252, RFC 4256): runs the protocol, verifies signatures, counts
/// failures and delays them; the application's <see cref="ISshSessionHandler"/> decides what is enough.
/// </summary>
internal sealed class UserAuthService
{
    private const string ConnectionService = "ssh-connection";

    private readonly SshTransport _transport;
    private readonly SshServerOptions _options;
    private readonly ISshSessionHandler _handler;
    private readonly ILogger _logger;
    private string? _userName;
    private int _failures;
    private bool _noneSeen;
    private bool _freeAttempt;
    private IReadOnlyList<string> _methodsThatCanContinue = ["publickey", "keyboard-interactive"];
    private bool _keyboardInteractivePending;

    private readonly Action<TimeSpan> _extendGrace;
    private readonly Action _credentialRejected;

    // credentialRejected is called for each rejected credential (not for a key the server merely does not know), to
    // penalise the source.
    public UserAuthService(SshTransport transport, SshServerOptions options, ISshSessionHandler handler, ILogger logger, Action<TimeSpan>? extendGrace = null,
        Action? credentialRejected = null)
    {
        _extendGrace = extendGrace ?? (_ => { });
        _credentialRejected = credentialRejected ?? (() => { });
        _transport = transport;
        _options = options;
        _handler = handler;
        _logger = logger;
    }

    /// <summary>Runs until a user is authenticated (returns the name) or the client leaves (returns null).</summary>
    public async Task<string?> RunAsync(CancellationToken cancellationToken)
    {
        if (!await AcceptServiceRequestAsync(cancellationToken).ConfigureAwait(false))
        {
            return null;
        }
        while (true)
        {
            var received = await _transport.ReceiveAsync(cancellationToken).ConfigureAwait(false);
            if (received is not { } packet)
            {
                return null;
            }
            AuthResult? result;
            switch (packet.Number)
            {
                case MessageNumber.UserAuthRequest:
                    _keyboardInteractivePending = false;
                    _freeAttempt = false;
                    result = await HandleRequestAsync(UserAuthRequestMessage.Read(packet.Payload.Span), cancellationToken).ConfigureAwait(false);
                    break;
                case MessageNumber.UserAuthInfoResponse when _keyboardInteractivePending:
                    var response = UserAuthInfoResponseMessage.Read(packet.Payload.Span);
                    result = await HandleKeyboardStepAsync(
                        await _handler.ContinueKeyboardInteractiveAsync(_userName!, response.Responses, cancellationToken).ConfigureAwait(false)).ConfigureAwait(false);
                    break;
                case MessageNumber.ServiceRequest:
                    // sshd accepts the request again during authentication, and some libraries (Paramiko) send one
                    // before every method: answering UNIMPLEMENTED leaves them waiting for an accept until the grace time.
                    await AnswerServiceRequestAsync(packet, cancellationToken).ConfigureAwait(false);
                    continue;
                case >= MessageNumber.UserAuthRequest and <= 79:
                    throw new SshProtocolException($"unexpected authentication message {packet.Number}");
                case >= MessageNumber.GlobalRequest:
                    throw new SshProtocolException($"connection message {packet.Number} sent before authentication");
                default:
                    await _transport.SendUnimplementedAsync(packet.SequenceNumber).ConfigureAwait(false);
                    continue;
            }
            if (result is null)
            {
                continue; // prompts or PK_OK were sent; wait for the next message
            }
            if (await AnswerAsync(result, cancellationToken).ConfigureAwait(false))
            {
                return _userName;
            }
        }
    }

    private async Task<bool> AcceptServiceRequestAsync(CancellationToken cancellationToken)
    {
        var received = await _transport.ReceiveAsync(cancellationToken).ConfigureAwait(false);
        if (received is not { } packet)
        {
            return false;
        }
        if (packet.Number != MessageNumber.ServiceRequest)
        {
            throw new SshProtocolException($"expected SERVICE_REQUEST, got message {packet.Number}");
        }
        await AnswerServiceRequestAsync(packet, cancellationToken).ConfigureAwait(false);
        return true;
    }

    private async Task AnswerServiceRequestAsync(ReceivedPacket packet, CancellationToken cancellationToken)
    {
        var request = ServiceRequestMessage.Read(packet.Payload.Span);
        if (request.ServiceName != "ssh-userauth")
        {
            throw new SshProtocolException(DisconnectReason.ServiceNotAvailable, $"service \"{request.ServiceName}\" is not available; use ssh-userauth");
        }
        await _transport.SendAsync(new ServiceAcceptMessage(request.ServiceName), cancellationToken).ConfigureAwait(false);
    }

    private async Task<AuthResult?> HandleRequestAsync(UserAuthRequestMessage request, CancellationToken cancellationToken)
    {
        if (request.ServiceName != ConnectionService)
        {
            throw new SshProtocolException(DisconnectReason.ServiceNotAvailable, $"service \"{request.ServiceName}\" is not available; use ssh-connection");
        }
        if (_userName is null)
        {
            _userName = request.UserName;
        }
        else if (_userName != request.UserName)
        {
            // Like OpenSSH: partial successes belong to one user; switching would mix factors of two people.
            throw new SshProtocolException(DisconnectReason.ProtocolError, "changing the user name during authentication is not allowed");
        }

        switch (request.Method)
        {
            case NoneAuthData:
                // Clients open with "none" to learn the methods: that one is free, any later one counts.
                _freeAttempt = !_noneSeen;
                _noneSeen = true;
                return await _handler.AuthenticateNoneAsync(_userName, cancellationToken).ConfigureAwait(false);
            case PublicKeyAuthData publicKey:
                return await HandlePublicKeyAsync(request, publicKey, cancellationToken).ConfigureAwait(false);
            case KeyboardInteractiveAuthData when _methodsThatCanContinue.Contains("keyboard-interactive"):
                return await HandleKeyboardStepAsync(
                    await _handler.BeginKeyboardInteractiveAsync(_userName, cancellationToken).ConfigureAwait(false)).ConfigureAwait(false);
            default:
                await _handler.OnAuthenticationRejectedAsync(_userName, request.Method.Name, "method not offered").ConfigureAwait(false);
                return AuthResult.List(_methodsThatCanContinue);
        }
    }

    private async Task<AuthResult?> HandlePublicKeyAsync(UserAuthRequestMessage request, PublicKeyAuthData data, CancellationToken cancellationToken)
    {
        var user = request.UserName;
        if (!_methodsThatCanContinue.Contains("publickey"))
        {
            await _handler.OnAuthenticationRejectedAsync(user, "publickey", "method not offered at this stage").ConfigureAwait(false);
            return AuthResult.List(_methodsThatCanContinue);
        }
        var algorithm = _options.Algorithms.FindPublicKey(data.Algorithm);
        SshPublicKey key;
        try
        {
            key = new SshPublicKey(data.PublicKeyBlob);
        }
        catch (SshProtocolException)
        {
            await _handler.OnAuthenticationRejectedAsync(user, "publickey", "malformed public key blob").ConfigureAwait(false);
            return AuthResult.Failed(_methodsThatCanContinue);
        }
        if (algorithm is null || algorithm.KeyType != key.KeyType)
        {
            await _handler.OnAuthenticationRejectedAsync(user, "publickey", $"signature algorithm {data.Algorithm} is not accepted for {key.KeyType} keys").ConfigureAwait(false);
            return AuthResult.List(_methodsThatCanContinue);
        }
        if (!data.HasSignature)
        {
            if (await _handler.IsPublicKeyAcceptableAsync(user, key, cancellationToken).ConfigureAwait(false))
            {
                await _transport.SendAsync(new UserAuthPkOkMessage(data.Algorithm, data.PublicKeyBlob), cancellationToken).ConfigureAwait(false);
                return null;
            }
            return AuthResult.List(_methodsThatCanContinue);
        }
        var signedData = BuildSignedData(request, data);
        var check = algorithm.Verify(data.PublicKeyBlob, signedData, data.Signature);
        if (!check.Valid)
        {
            await _handler.OnAuthenticationRejectedAsync(user, "publickey", $"invalid signature from {key}").ConfigureAwait(false);
            return AuthResult.Failed(_methodsThatCanContinue);
        }
        return await _handler.AuthenticatePublicKeyAsync(user, key, data.Algorithm, check, cancellationToken).ConfigureAwait(false);
    }

    /// <summary>RFC 4252 §7: what the client signed.</summary>
    private byte[] BuildSignedData(UserAuthRequestMessage request, PublicKeyAuthData data)
    {
        using var writer = new SshWriter();
        writer.WriteString(_transport.SessionId);
        writer.WriteByte(MessageNumber.UserAuthRequest);
        writer.WriteString(request.UserName);
        writer.WriteString(request.ServiceName);
        writer.WriteString("publickey");
        writer.WriteBoolean(true);
        writer.WriteString(data.Algorithm);
        writer.WriteString(data.PublicKeyBlob);
        return writer.ToArray();
    }

    private async Task<AuthResult?> HandleKeyboardStepAsync(KeyboardInteractiveStep step)
    {
        if (step.Prompts is { } prompts)
        {
            _keyboardInteractivePending = true;
            if (step.GraceExtension > TimeSpan.Zero)
            {
                _extendGrace(step.GraceExtension);
            }
            await _transport.SendAsync(prompts).ConfigureAwait(false);
            return null;
        }
        _keyboardInteractivePending = false;
        return step.Result ?? throw new InvalidOperationException("keyboard-interactive step has neither prompts nor a result");
    }

    /// <summary>Sends the verdict; returns true when the user is authenticated.</summary>
    private async Task<bool> AnswerAsync(AuthResult result, CancellationToken cancellationToken)
    {
        if (result.Outcome != AuthOutcome.Success && result.MethodsThatCanContinue.Count > 0)
        {
            _methodsThatCanContinue = result.MethodsThatCanContinue;
        }
        if (result.Outcome == AuthOutcome.Failure || (result.Outcome == AuthOutcome.Listing && !_freeAttempt))
        {
            _failures++;
        }
        if (result.Outcome == AuthOutcome.Failure)
        {
            _credentialRejected();
            // Only credential checks are slowed: a key query answered at once costs a client with several keys nothing.
            await Task.Delay(_options.AuthFailureDelay, _options.TimeProvider, cancellationToken).ConfigureAwait(false);
        }
        if (result.Banner is { Length: > 0 } banner)
        {
            await _transport.SendAsync(new UserAuthBannerMessage(banner.EndsWith('\n') ? banner : banner + "\r\n"), cancellationToken).ConfigureAwait(false);
        }
        switch (result.Outcome)
        {
            case AuthOutcome.Success:
                await _transport.SendAsync(new UserAuthSuccessMessage(), cancellationToken).ConfigureAwait(false);
                return true;
            case AuthOutcome.PartialSuccess:
                await _transport.SendAsync(new UserAuthFailureMessage(_methodsThatCanContinue, PartialSuccess: true), cancellationToken).ConfigureAwait(false);
                return false;
        }
        if (result.Disconnect)
        {
            throw new SshProtocolException(DisconnectReason.NoMoreAuthMethodsAvailable, result.Banner ?? "authentication refused");
        }
        if (_failures >= _options.MaxAuthAttempts)
        {
            _logger.LogInformation("too many authentication failures for {User}", _userName);
            throw new SshProtocolException(DisconnectReason.NoMoreAuthMethodsAvailable,
                $"too many authentication failures ({_failures}); offer only the key enrolled for you (ssh -o IdentitiesOnly=yes -i KEY) and try again");
        }
        await _transport.SendAsync(new UserAuthFailureMessage(result.MethodsThatCanContinue.Count > 0 ? result.MethodsThatCanContinue : _methodsThatCanContinue, PartialSuccess: false), cancellationToken).ConfigureAwait(false);
        return false;
    }
}
