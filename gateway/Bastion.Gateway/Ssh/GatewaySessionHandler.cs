using System.Globalization;
using Bastion.Core.Audit;
using Bastion.Core.Store;
using Bastion.Gateway.Hosting;
using Bastion.Gateway.Limits;
using Bastion.Gateway.Observability;
using Bastion.Ssh;
using Bastion.Ssh.Algorithms.PublicKeys;
using Bastion.Ssh.Authentication;
using Bastion.Ssh.Connection;
using Bastion.Ssh.Messages;
using Bastion.Ssh.Resources;
using Bastion.Ssh.Transport;

namespace Bastion.Gateway.Ssh;

/// <summary>The gateway's answer to every SSH callback of one connection; auth and forwarding live in their own classes.</summary>
public sealed class GatewaySessionHandler : ISshSessionHandler
{
    private readonly BastionContext _context;
    private readonly ConnectionState _state;
    private readonly SshConnectionInfo _connection;
    private readonly GatewayAuthenticator _auth;
    private readonly TargetForwarder _forwarder;
    private readonly ActiveSessions _active;
    private readonly GatewayMetrics? _metrics;
    private readonly DescriptorBudget? _descriptors;
    private readonly ConnectionCaps _caps;

    public GatewaySessionHandler(BastionContext context, SshConnectionInfo connection, ActiveSessions active, UserResourceCaps caps, GatewayMetrics? metrics = null, DescriptorBudget? descriptors = null)
    {
        _context = context;
        _connection = connection;
        _active = active;
        _metrics = metrics;
        _state = new ConnectionState(connection.SessionId, connection.RemoteEndPoint as System.Net.IPEndPoint, connection);
        _caps = new ConnectionCaps(context, _state, caps, metrics);
        _auth = new GatewayAuthenticator(context, _state, _caps);
        _descriptors = descriptors;
        _forwarder = new TargetForwarder(context, _state, metrics, descriptors);
        _active.Add(_state);
    }

    public ValueTask OnKeyExchangeCompletedAsync(NegotiatedAlgorithms algorithms, TimeSpan elapsed, bool initial)
    {
        _state.ClientVersion = _connection.ClientVersion;
        var data = new Dictionary<string, string>
        {
            ["kex"] = algorithms.KeyExchange,
            ["host_key"] = algorithms.HostKeyAlgorithm,
            ["cipher"] = algorithms.CipherClientToServer,
            ["mac"] = algorithms.MacClientToServer ?? "aead",
            ["duration_ms"] = elapsed.TotalMilliseconds.ToString("0.0", CultureInfo.InvariantCulture),
        };
        if (!initial)
        {
            data["rekey"] = "true";
            return _context.Audit.AppendAsync(_state.Event(AuditEventTypes.KexCompleted, AuditSeverity.Info, data));
        }
        // The first key exchange is the connection's first row and says all a connection.accepted row did (client
        // version, local end): one row instead of two, as a client that never authenticates should write few.
        data["client_version"] = _connection.ClientVersion ?? "";
        data["local"] = _connection.LocalEndPoint?.ToString() ?? "";
        return _context.Audit.AppendAsync(_state.Event(AuditEventTypes.KexCompleted, AuditSeverity.Info, data));
    }

    // Every answer below leaves for the client's terminal through ClientText: the one place its words are escaped.
    public async ValueTask<AuthResult> AuthenticateNoneAsync(string userName, CancellationToken cancellationToken) =>
        ClientText.Shown(await _auth.NoneAsync(userName).ConfigureAwait(false));

    public async ValueTask<bool> IsPublicKeyAcceptableAsync(string userName, SshPublicKey key, CancellationToken cancellationToken)
    {
        var acceptable = await _auth.IsKeyAcceptableAsync(userName, key, cancellationToken).ConfigureAwait(false);
        if (!acceptable)
        {
            // Counted like the audit trail counts it: an unknown key offered is a failed attempt.
            _metrics?.AuthResult(PublicKeyMethod, AuthOutcome.Failure);
        }
        return acceptable;
    }

    public async ValueTask<AuthResult> AuthenticatePublicKeyAsync(string userName, SshPublicKey key, string algorithm, SignatureCheck signature, CancellationToken cancellationToken) =>
        ClientText.Shown(Count(PublicKeyMethod, await _auth.PublicKeyAsync(userName, key, algorithm, signature, cancellationToken).ConfigureAwait(false)));

    public async ValueTask<KeyboardInteractiveStep> BeginKeyboardInteractiveAsync(string userName, CancellationToken cancellationToken) =>
        ClientText.Shown(Count(await _auth.BeginKeyboardInteractiveAsync(userName, cancellationToken).ConfigureAwait(false)));

    public async ValueTask<KeyboardInteractiveStep> ContinueKeyboardInteractiveAsync(string userName, IReadOnlyList<string> responses, CancellationToken cancellationToken) =>
        ClientText.Shown(Count(await _auth.ContinueKeyboardInteractiveAsync(userName, responses, cancellationToken).ConfigureAwait(false)));

    public ValueTask OnAuthenticationRejectedAsync(string userName, string method, string reason)
    {
        _metrics?.AuthResult(method, AuthOutcome.Failure);
        return _auth.RejectedAsync(userName, method, reason);
    }

    private const string PublicKeyMethod = "publickey";

    private KeyboardInteractiveStep Count(KeyboardInteractiveStep step)
    {
        if (step.Result is { } result)
        {
            Count("keyboard-interactive", result);
        }
        return step;
    }

    private AuthResult Count(string method, AuthResult result)
    {
        // A login refused by a per-user cap is not an authentication failure: limits.refusals counts it instead.
        if (_metrics is { } metrics && !(result.Outcome == AuthOutcome.Failure && _caps.LoginRefused))
        {
            metrics.AuthResult(method, result.Outcome);
            if (result.Outcome == AuthOutcome.Success && _state.User is { } user)
            {
                metrics.Login(user.MfaPolicy);
            }
        }
        return result;
    }

    /// <summary>Refusals quote the name asked for and what the inventory said about it: escaped here, for every cause.</summary>
    public async ValueTask<ChannelOpenDecision> OpenDirectTcpIpAsync(DirectTcpIpChannelOpen request, CancellationToken cancellationToken)
    {
        // The per-user caps come before any work (resolving, policy, dialling): a loop over the cap costs no socket.
        var (lease, refusal) = await _caps.OpenChannelAsync("direct-tcpip").ConfigureAwait(false);
        if (refusal is not null)
        {
            return ClientText.Shown(ChannelOpenDecision.Reject(ConnectionCaps.RefusalReason, refusal));
        }
        ChannelOpenDecision decision;
        try
        {
            decision = await _forwarder.OpenAsync(request, cancellationToken).ConfigureAwait(false);
        }
        catch
        {
            lease?.Dispose();
            throw;
        }
        if (decision.Target is not { } target)
        {
            lease?.Dispose();
            return ClientText.Shown(decision);
        }
        if (lease is null)
        {
            return decision;
        }
        // The lease goes when the channel closes (the library calls back once); the connection's end releases it otherwise.
        return ChannelOpenDecision.Accept(target, async stats =>
        {
            lease.Dispose();
            if (decision.OnClosed is { } closed)
            {
                await closed(stats).ConfigureAwait(false);
            }
        }, decision.OnStarted);
    }

    public async ValueTask<SessionOpenDecision> OpenSessionAsync(CancellationToken cancellationToken)
    {
        var (lease, refusal) = await _caps.OpenChannelAsync("session").ConfigureAwait(false);
        return refusal is not null
            ? ClientText.Shown(SessionOpenDecision.Reject(ConnectionCaps.RefusalReason, refusal))
            : SessionOpenDecision.Accept(new GatewaySessionChannel(_context, _state, _metrics, lease, _descriptors));
    }

    /// <summary>How long a disconnect waits for recorded sessions to seal their recordings and write their close events.</summary>
    private static readonly TimeSpan ChannelWorkGrace = TimeSpan.FromSeconds(15);

    public async ValueTask OnDisconnectedAsync(string reason, long bytesReceived, long bytesSent)
    {
        if (_connection.ClosedWithoutAWord)
        {
            // TCP health checks and port probes: thousands a day behind a load balancer, none of them a login
            // attempt. A metric shows their rate; an event each would bury the trail an auditor reads.
            _metrics?.SilentConnection();
            return;
        }
        try
        {
            await Task.WhenAll(_state.PendingChannelWork).WaitAsync(ChannelWorkGrace).ConfigureAwait(false);
        }
        catch (Exception)
        {
            // Timed out or failed: each piece of work reports its own failure; the disconnect is written regardless.
        }
        await AbandonApprovalAsync().ConfigureAwait(false);
        var data = new Dictionary<string, string>
        {
            ["reason"] = reason,
            ["bytes_received"] = bytesReceived.ToString(CultureInfo.InvariantCulture),
            ["bytes_sent"] = bytesSent.ToString(CultureInfo.InvariantCulture),
            ["authenticated"] = _state.Authenticated ? "true" : "false",
        };
        if (_connection.ClientVersion is not null)
        {
            data["client_version"] = _connection.ClientVersion;
        }
        // The summary of the failures that got no auth.failure row of their own (counts by reason).
        _state.AuthFailures.AddTo(data);
        await _context.Audit.AppendAsync(_state.Event(AuditEventTypes.Disconnect, AuditSeverity.Info, data, _state.User?.Name ?? _state.AuthFailures.UserName))
            .ConfigureAwait(false);
    }

    /// <summary>
    /// A client that leaves while its browser approval is pending (Ctrl-C, a closed laptop) cancels it at once, so
    /// nobody can approve a login that no longer exists; audited as abandoned, never as a success.
    /// </summary>
    private async ValueTask AbandonApprovalAsync()
    {
        if (_state.Authenticated || _state.Approval is not { } approval)
        {
            return;
        }
        try
        {
            if (await _context.Store.AbandonLoginApprovalAsync(approval.Code).ConfigureAwait(false))
            {
                await _context.Audit.AppendAsync(_state.Event(AuditEventTypes.AuthApprovalAbandoned, AuditSeverity.Info, new Dictionary<string, string>
                {
                    ["approval"] = approval.Code,
                    ["reason"] = "the ssh client disconnected before the login was approved",
                })).ConfigureAwait(false);
            }
        }
        catch (Exception ex) when (StoreFailures.IsUnavailable(ex))
        {
            // The request still expires on its own; the gateway never completes a login for a closed connection.
        }
    }

    /// <summary>A database outage is the one handler failure users can do nothing about but wait; say so.</summary>
    public string? DescribeFailure(Exception exception) =>
        StoreFailures.IsUnavailable(exception) ? "the gateway cannot reach its database right now; try again in a minute (operators: bastion doctor)" : null;

    public ValueTask DisposeAsync()
    {
        _active.Remove(_state);
        _caps.Dispose();
        return ValueTask.CompletedTask;
    }
}
