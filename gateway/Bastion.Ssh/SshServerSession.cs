using System.Net.Sockets;
using Bastion.Ssh.Authentication;
using Bastion.Ssh.Connection;
using Bastion.Ssh.Diagnostics;
using Bastion.Ssh.Transport;
using Bastion.Ssh.Wire;
using Microsoft.Extensions.Logging;

namespace Bastion.Ssh;

/// <summary>
/// One server-side SSH connection over any duplex stream (a socket, or a channel of another SSH session):
/// transport, then userauth within the login grace time, then the connection service until either side leaves.
/// </summary>
public sealed class SshServerSession
{
    private readonly Stream _stream;
    private readonly SshServerOptions _options;
    private readonly ISshSessionHandler _handler;
    private readonly ILogger _logger;
    private readonly SshConnectionInfo? _connection;
    private readonly SshMetrics? _metrics;

    public SshServerSession(Stream stream, SshServerOptions options, ISshSessionHandler handler, ILogger logger, SshConnectionInfo? connection = null)
        : this(stream, options, handler, logger, connection, options.MeterFactory is { } meters ? new SshMetrics(meters) : null)
    {
    }

    internal SshServerSession(Stream stream, SshServerOptions options, ISshSessionHandler handler, ILogger logger, SshConnectionInfo? connection, SshMetrics? metrics)
    {
        _connection = connection;
        _metrics = metrics;
        options.Validate();
        _stream = stream;
        _options = options;
        _handler = handler;
        _logger = logger;
    }

    /// <summary>What a client is told when the server failed in a way it cannot name.</summary>
    internal const string UnexpectedFailure = "internal error on the server; try again, and tell its operators if it persists";

    /// <summary>Set once the user is authenticated.</summary>
    public string? UserName { get; private set; }

    /// <summary>Raised when authentication succeeds (e.g. to release a pre-auth connection slot).</summary>
    public event Action? Authenticated;

    /// <summary>Raised for each rejected credential and when the login grace time runs out (to penalise the source).</summary>
    public event Action? LoginFailed;

    /// <summary>Runs the connection to its end. Never throws for peer misbehaviour; the reason is reported to the handler.</summary>
    public async Task RunAsync(CancellationToken cancellationToken)
    {
        using var closing = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        var transport = new SshTransport(_stream, _options, _logger);
        transport.ServerSignatureAlgorithms = () => _options.Algorithms.PublicKeys.Select(p => p.Name).ToList();
        var initial = true;
        transport.KeyExchangeCompleted += (algorithms, elapsed) =>
        {
            var first = initial;
            initial = false;
            _metrics?.KeyExchangeCompleted(algorithms.KeyExchange, first, elapsed);
            _ = _handler.OnKeyExchangeCompletedAsync(algorithms, elapsed, first).AsTask();
        };
        var reason = "client disconnected";
        using var grace = new CancellationTokenSource(_options.LoginGraceTime, _options.TimeProvider);
        var graceDeadline = _options.TimeProvider.GetUtcNow() + _options.LoginGraceTime;
        var graceExtended = false;
        void ExtendGrace(TimeSpan extension)
        {
            // Once per connection: a client repeating the request that earned the extension must not hold its
            // unauthenticated slot for ever.
            if (graceExtended)
            {
                return;
            }
            graceExtended = true;
            graceDeadline += extension;
            grace.CancelAfter(graceDeadline - _options.TimeProvider.GetUtcNow());
        }
        using var graceRegistration = grace.Token.Register(() =>
        {
            if (UserName is null)
            {
                reason = $"login grace time ({_options.LoginGraceTime.TotalSeconds:0} s) exceeded";
                LoginFailed?.Invoke();
                closing.Cancel();
            }
        });
        string? closedBy = null;
        void CloseWith(string why)
        {
            // The first reason wins: a kill arriving while an idle timeout fires is still reported as whichever came first.
            if (Interlocked.CompareExchange(ref closedBy, why, null) is null)
            {
                transport.AnnounceDisconnect(DisconnectReason.ByApplication, why);
            }
            closing.Cancel();
        }
        _connection?.OnClose(CloseWith);
        // A dead writer (peer reset) must also end the read loop.
        _ = transport.WriterCompletion.ContinueWith(_ => closing.Cancel(), CancellationToken.None, TaskContinuationOptions.ExecuteSynchronously, TaskScheduler.Default);
        try
        {
            await transport.StartAsync(closing.Token).ConfigureAwait(false);
            if (_connection is not null)
            {
                _connection.ClientVersion = transport.ClientVersion;
            }
            var auth = new UserAuthService(transport, _options, _handler, _logger, ExtendGrace, () => LoginFailed?.Invoke());
            UserName = await auth.RunAsync(closing.Token).ConfigureAwait(false);
            if (UserName is not null)
            {
                transport.MarkAuthenticated();
                Authenticated?.Invoke();
                var connection = new ConnectionService(transport, _options, _handler, _logger);
                await connection.RunAsync(CloseWith, closing.Token).ConfigureAwait(false);
            }
            await transport.DisconnectAsync(DisconnectReason.ByApplication, "bye").ConfigureAwait(false);
        }
        catch (SshProtocolException ex)
        {
            reason = $"protocol error: {ex.Message}";
            if (transport.PeerHasSpoken)
            {
                _logger.LogInformation("closing connection: {Reason}", ex.Message);
            }
            else
            {
                // A load balancer's TCP check does this every few seconds; at Information it would drown the journal.
                _logger.LogDebug("closing connection: {Reason}", ex.Message);
            }
            await transport.DisconnectAsync(ex.Reason, ex.Message).ConfigureAwait(false);
        }
        catch (OperationCanceledException) when (closing.IsCancellationRequested)
        {
            if (closedBy is not null)
            {
                reason = closedBy;
                await transport.DisconnectAsync(DisconnectReason.ByApplication, closedBy).ConfigureAwait(false);
            }
            else if (cancellationToken.IsCancellationRequested)
            {
                reason = "server shutting down";
                await transport.DisconnectAsync(DisconnectReason.ByApplication, "server shutting down").ConfigureAwait(false);
            }
            else if (UserName is null && grace.IsCancellationRequested)
            {
                await transport.DisconnectAsync(DisconnectReason.ProtocolError, reason).ConfigureAwait(false);
            }
            else if (transport.WriterCompletion.IsFaulted)
            {
                reason = "connection lost: " + transport.WriterCompletion.Exception?.GetBaseException().Message;
            }
        }
        catch (Exception ex) when (ex is IOException or SocketException or ObjectDisposedException)
        {
            reason = "connection lost: " + ex.Message;
        }
        catch (Exception ex) when (ex is not OperationCanceledException)
        {
            // The handler failed (its database is down, a bug): the client still hears why, the server keeps running.
            var known = _handler.DescribeFailure(ex);
            if (known is null)
            {
                _logger.LogError(ex, "closing connection after an unexpected error");
            }
            else
            {
                _logger.LogWarning("closing connection: {Reason} ({Error})", known, ex.Message);
            }
            var told = known ?? UnexpectedFailure;
            reason = $"server failure: {told} ({ex.GetType().Name}: {ex.Message})";
            await transport.DisconnectAsync(DisconnectReason.ByApplication, told).ConfigureAwait(false);
        }
        finally
        {
            _connection?.OnClose(null);
            if (_connection is not null && !transport.PeerHasSpoken && closedBy is null && !grace.IsCancellationRequested && !cancellationToken.IsCancellationRequested)
            {
                _connection.ClosedWithoutAWord = true;
            }
            try
            {
                await _handler.OnDisconnectedAsync(reason, transport.BytesReceived, transport.BytesSent).ConfigureAwait(false);
            }
            catch (Exception ex)
            {
                _logger.LogError(ex, "session handler failed while recording the disconnect");
            }
            await transport.DisposeAsync().ConfigureAwait(false);
            await _stream.DisposeAsync().ConfigureAwait(false);
            await _handler.DisposeAsync().ConfigureAwait(false);
        }
    }
}
