using System.Net;
using System.Net.Sockets;
using Bastion.Ssh.Diagnostics;
using Microsoft.Extensions.Logging;

namespace Bastion.Ssh;

/// <summary>
/// Accepts TCP connections and runs an <see cref="SshServerSession"/> for each. Connections that have not
/// authenticated are capped (like OpenSSH MaxStartups) so a flood of half-open logins cannot exhaust the host.
/// Options can be replaced while running (<see cref="UpdateOptions"/>): new connections get the new ones, open
/// connections keep the ones they started with.
/// </summary>
public sealed class SshServer : IAsyncDisposable
{
    private volatile SshServerOptions _options;
    private readonly SshMetrics? _metrics;
    private readonly ISshSessionHandlerFactory _handlers;
    private readonly ILoggerFactory _loggers;
    private readonly ILogger _logger;
    private readonly Socket _listener;
    private readonly CancellationTokenSource _stopping = new();
    private readonly HashSet<Task> _sessions = new();
    private readonly object _gate = new();
    private readonly UnauthenticatedSlots _unauthenticated = new();
    private long _connectionCounter;
    private Task? _acceptLoop;
    private volatile bool _closed;

    public SshServer(IPEndPoint endPoint, SshServerOptions options, ISshSessionHandlerFactory handlers, ILoggerFactory loggers)
    {
        options.Validate();
        _options = options;
        _metrics = options.MeterFactory is { } meters ? new SshMetrics(meters) : null;
        _handlers = handlers;
        _loggers = loggers;
        _logger = loggers.CreateLogger<SshServer>();
        _listener = new Socket(endPoint.AddressFamily, SocketType.Stream, ProtocolType.Tcp);
        _listener.SetSocketOption(SocketOptionLevel.Socket, SocketOptionName.ReuseAddress, true);
        _listener.Bind(endPoint);
    }

    public IPEndPoint LocalEndPoint => (IPEndPoint)_listener.LocalEndPoint!;

    public int ActiveConnections
    {
        get
        {
            lock (_gate)
            {
                return _sessions.Count;
            }
        }
    }

    /// <summary>The options new connections start with.</summary>
    public SshServerOptions Options => _options;

    /// <summary>True from <see cref="Start"/> until <see cref="StopAsync"/> closes the listener.</summary>
    public bool IsAccepting => _acceptLoop is not null && !_closed;

    /// <summary>
    /// Replaces the options for connections accepted from now on (login grace time, auth attempts, limits …).
    /// Connections already open keep theirs, so nothing in flight changes under a client's feet.
    /// </summary>
    public void UpdateOptions(SshServerOptions options)
    {
        options.Validate();
        _options = options;
    }

    public void Start()
    {
        _listener.Listen(1024);
        _acceptLoop = Task.Run(AcceptLoopAsync);
    }

    private async Task AcceptLoopAsync()
    {
        while (!_stopping.IsCancellationRequested)
        {
            Socket socket;
            try
            {
                socket = await _listener.AcceptAsync(_stopping.Token).ConfigureAwait(false);
            }
            catch (OperationCanceledException)
            {
                break;
            }
            catch (Exception ex) when (ex is ObjectDisposedException || (ex is SocketException && _closed))
            {
                break; // StopAsync closed the listener: stop accepting, sessions drain on their own
            }
            catch (SocketException ex)
            {
                // EMFILE and friends: back off briefly instead of spinning; the listener stays up.
                _logger.LogWarning("accept failed: {Error} {Message}", ex.SocketErrorCode, ex.Message);
                await Task.Delay(TimeSpan.FromMilliseconds(100), _options.TimeProvider).ConfigureAwait(false);
                continue;
            }
            var options = _options;
            if (socket.RemoteEndPoint is IPEndPoint remote && options.RefuseConnection?.Invoke(remote) is { } refused)
            {
                _metrics?.ConnectionRefused();
                _logger.LogDebug("refusing connection from {Remote}: {Refusal}", remote, refused);
                EarlyRefusal.Refuse(socket, options.SoftwareVersion, refused);
                continue;
            }
            if (_unauthenticated.TryTake(socket.RemoteEndPoint, options, out var refusal) is not { } slot)
            {
                _metrics?.ConnectionRefused();
                _logger.LogWarning("refusing connection from {Remote}: {Refusal}", socket.RemoteEndPoint, refusal);
                socket.Dispose();
                continue;
            }
            _metrics?.ConnectionAccepted();
            socket.NoDelay = true;
            var task = RunSessionAsync(socket, options, slot);
            lock (_gate)
            {
                if (!task.IsCompleted)
                {
                    _sessions.Add(task);
                }
            }
        }
    }

    private async Task RunSessionAsync(Socket socket, SshServerOptions options, UnauthenticatedSlots.Lease slot)
    {
        await Task.Yield();
        try
        {
            var id = $"{Environment.ProcessId:x}-{Interlocked.Increment(ref _connectionCounter):x}";
            var info = new SshConnectionInfo(id, socket.RemoteEndPoint, socket.LocalEndPoint);
            var handler = _handlers.Create(info);
            var session = new SshServerSession(new NetworkStream(socket, ownsSocket: true), options, handler, _loggers.CreateLogger<SshServerSession>(), info, _metrics);
            session.Authenticated += slot.Release;
            await session.RunAsync(_stopping.Token).ConfigureAwait(false);
        }
        catch (Exception ex)
        {
            _logger.LogError(ex, "connection from {Remote} ended with an unexpected error", socket.RemoteEndPoint);
            socket.Dispose();
        }
        finally
        {
            slot.Release();
            lock (_gate)
            {
                _sessions.RemoveWhere(t => t.IsCompleted);
            }
        }
    }

    /// <summary>Stops accepting; running sessions are told to close (cancellation) and awaited up to <paramref name="drain"/>.</summary>
    public async Task StopAsync(TimeSpan drain)
    {
        _closed = true;
        _listener.Close();
        Task[] running;
        lock (_gate)
        {
            running = _sessions.ToArray();
        }
        try
        {
            await Task.WhenAll(running).WaitAsync(drain).ConfigureAwait(false);
        }
        catch (TimeoutException)
        {
            _logger.LogWarning("{Count} sessions still open after {Drain}; closing them", running.Count(t => !t.IsCompleted), drain);
        }
        await _stopping.CancelAsync().ConfigureAwait(false);
        if (_acceptLoop is not null)
        {
            await _acceptLoop.ConfigureAwait(false);
        }
        lock (_gate)
        {
            running = _sessions.ToArray();
        }
        await Task.WhenAll(running).WaitAsync(TimeSpan.FromSeconds(5)).ConfigureAwait(false);
    }

    public async ValueTask DisposeAsync()
    {
        if (!_stopping.IsCancellationRequested)
        {
            await StopAsync(TimeSpan.Zero).ConfigureAwait(false);
        }
        _listener.Dispose();
        _stopping.Dispose();
    }
}
