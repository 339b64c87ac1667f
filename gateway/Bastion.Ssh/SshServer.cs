using System.Net;
using System.Net.Sockets;
using Bastion.Ssh.Diagnostics;
using Bastion.Ssh.Resources;
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
    private readonly SourcePenalties _penalties;
    private readonly ThrottledWarning _slotWarning;
    private readonly EarlyRefusal _refusals = new();
    private readonly ThrottledWarning _descriptorWarning;
    private readonly ThrottledWarning _acceptWarning;
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
        _descriptorWarning = new ThrottledWarning(options.TimeProvider, TimeSpan.FromSeconds(10));
        _acceptWarning = new ThrottledWarning(options.TimeProvider, TimeSpan.FromSeconds(10));
        _slotWarning = new ThrottledWarning(options.TimeProvider, TimeSpan.FromSeconds(10));
        _penalties = new SourcePenalties(options.TimeProvider);
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

    /// <summary>Longest pause between accept attempts while the kernel refuses them (EMFILE, ENFILE, ENOBUFS).</summary>
    private static readonly TimeSpan MaxAcceptBackOff = TimeSpan.FromSeconds(1);

    private async Task AcceptLoopAsync()
    {
        var backOff = TimeSpan.Zero;
        while (!_stopping.IsCancellationRequested)
        {
            Socket socket;
            try
            {
                socket = await _listener.AcceptAsync(_stopping.Token).ConfigureAwait(false);
                backOff = TimeSpan.Zero;
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
                // The connection waits in the backlog; pausing (10 ms doubling to 1 s) instead of spinning keeps a
                // process at a kernel limit from burning a core on the accept loop. The listener stays up.
                _metrics?.ConnectionRefused(ex.SocketErrorCode == SocketError.TooManyOpenSockets ? SshMetrics.DescriptorLimit : SshMetrics.AcceptFailed);
                backOff = backOff == TimeSpan.Zero ? TimeSpan.FromMilliseconds(10) : TimeSpan.FromTicks(Math.Min(backOff.Ticks * 2, MaxAcceptBackOff.Ticks));
                if (_acceptWarning.ShouldWrite(out var times))
                {
                    _logger.LogWarning("accept failed {Times} time(s) in the last 10 s: {Error} ({Message}); {Limit}; pausing accepts up to {BackOff} ms",
                        times, ex.SocketErrorCode, ex.Message, DescribeDescriptors(_options), MaxAcceptBackOff.TotalMilliseconds);
                }
                await Task.Delay(backOff, _options.TimeProvider).ConfigureAwait(false);
                continue;
            }
            var options = _options;
            if (socket.RemoteEndPoint is IPEndPoint remote && options.RefuseConnection?.Invoke(remote) is { } refused)
            {
                _metrics?.ConnectionRefused(SshMetrics.RefusedByHost);
                _logger.LogDebug("refusing connection from {Remote}: {Refusal}", remote, refused);
                _refusals.Refuse(socket, options.SoftwareVersion, refused);
                continue;
            }
            DescriptorLease? descriptor = null;
            if (options.DescriptorBudget is { } budget && (descriptor = budget.TryTake()) is null)
            {
                await RefuseAtDescriptorLimitAsync(socket, options, budget).ConfigureAwait(false);
                continue;
            }
            if (_unauthenticated.TryTake(socket.RemoteEndPoint, options, _penalties, out var refusal, out var toClient) is not { } slot)
            {
                _metrics?.ConnectionRefused(SshMetrics.UnauthenticatedLimit);
                // Once per 10 s: a source refused in a tight loop must not fill the journal.
                if (_slotWarning.ShouldWrite(out var times))
                {
                    _logger.LogWarning("refused {Times} connection(s) in the last 10 s at the login limits, the last from {Remote}: {Refusal}", times, socket.RemoteEndPoint, refusal);
                }
                _refusals.Refuse(socket, options.SoftwareVersion, toClient, descriptor);
                continue;
            }
            _metrics?.ConnectionAccepted();
            socket.NoDelay = true;
            var task = RunSessionAsync(socket, options, slot, descriptor);
            lock (_gate)
            {
                if (!task.IsCompleted)
                {
                    _sessions.Add(task);
                }
            }
        }
    }

    /// <summary>
    /// Tells the connection why (on a descriptor borrowed from the reserve) and closes it; open sessions are not
    /// touched. Logged once per 10 s with the figures an operator needs to raise LimitNOFILE. While every refusal the
    /// reserve allows is still being written, the accept loop waits (up to <see cref="RefusalWait"/>) rather than close
    /// the connection without a word: the connections behind it wait in the kernel's backlog, holding no descriptor.
    /// </summary>
    private async Task RefuseAtDescriptorLimitAsync(Socket socket, SshServerOptions options, DescriptorBudget budget)
    {
        _metrics?.ConnectionRefused(SshMetrics.DescriptorLimit);
        if (_descriptorWarning.ShouldWrite(out var times))
        {
            _logger.LogWarning("refused {Times} connection(s) in the last 10 s at the open-file limit: {Descriptors}; raise LimitNOFILE (systemd) or lower the per-user limits",
                times, DescribeDescriptors(options));
        }
        var waited = options.TimeProvider.GetTimestamp();
        while (true)
        {
            if (budget.TryTakeForRefusal() is { } borrowed)
            {
                _refusals.Refuse(socket, options.SoftwareVersion, options.AtDescriptorLimitMessage, borrowed);
                return;
            }
            if (options.TimeProvider.GetElapsedTime(waited) >= RefusalWait || _stopping.IsCancellationRequested)
            {
                socket.Dispose();
                return;
            }
            try
            {
                await Task.Delay(TimeSpan.FromMilliseconds(20), options.TimeProvider, _stopping.Token).ConfigureAwait(false);
            }
            catch (OperationCanceledException)
            {
                // Stopping: the loop above closes the socket.
            }
        }
    }

    private static readonly TimeSpan RefusalWait = TimeSpan.FromSeconds(3);

    private static string DescribeDescriptors(SshServerOptions options) => options.DescriptorBudget is { } b
        ? $"{b.InUse} descriptors open of RLIMIT_NOFILE {b.Limit}, {b.Reserve} kept in reserve"
        : "no descriptor budget";

    private async Task RunSessionAsync(Socket socket, SshServerOptions options, UnauthenticatedSlots.Lease slot, DescriptorLease? descriptor)
    {
        await Task.Yield();
        try
        {
            var id = $"{Environment.ProcessId:x}-{Interlocked.Increment(ref _connectionCounter):x}";
            var info = new SshConnectionInfo(id, socket.RemoteEndPoint, socket.LocalEndPoint);
            var handler = _handlers.Create(info);
            var session = new SshServerSession(new NetworkStream(socket, ownsSocket: true), options, handler, _loggers.CreateLogger<SshServerSession>(), info, _metrics);
            session.Authenticated += slot.Release;
            if (socket.RemoteEndPoint is IPEndPoint remote)
            {
                var source = UnauthenticatedSlots.SourceKey(remote.Address);
                session.LoginFailed += () => _penalties.RecordFailure(source, options);
            }
            await session.RunAsync(_stopping.Token).ConfigureAwait(false);
        }
        catch (OutOfMemoryException)
        {
            // This connection's buffers could not be had; the others keep theirs.
            _metrics?.ConnectionRefused(SshMetrics.OutOfMemory);
            _logger.LogWarning("connection from {Remote} closed: out of memory for its buffers", socket.RemoteEndPoint);
            socket.Dispose();
        }
        catch (Exception ex)
        {
            _logger.LogError(ex, "connection from {Remote} ended with an unexpected error", socket.RemoteEndPoint);
            socket.Dispose();
        }
        finally
        {
            descriptor?.Dispose();
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
