using System.Net.Sockets;
using System.Text;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;

namespace Bastion.Gateway.Hosting;

/// <summary>
/// The sd_notify protocol (READY=1, WATCHDOG=1, STOPPING=1) over the datagram socket named by NOTIFY_SOCKET, sent
/// whenever that variable is set rather than only when systemd is the parent process, so the notification path is
/// the same under systemd, under a supervisor and in tests. Watchdog pings go out at half of WATCHDOG_USEC.
/// A configuration reload is bracketed by RELOADING=1 (with MONOTONIC_USEC) and READY=1, as systemd asks.
/// </summary>
public sealed class ServiceNotifier : IHostedService, IDisposable
{
    private readonly IHostApplicationLifetime _lifetime;
    private readonly ILogger<ServiceNotifier> _logger;
    private readonly TimeProvider _time;
    private readonly string? _socketPath;
    private readonly Socket? _socket;
    private ITimer? _watchdog;

    public ServiceNotifier(IHostApplicationLifetime lifetime, TimeProvider time, ILogger<ServiceNotifier> logger)
    {
        _lifetime = lifetime;
        _time = time;
        _logger = logger;
        _socketPath = Environment.GetEnvironmentVariable("NOTIFY_SOCKET");
        if (!string.IsNullOrEmpty(_socketPath))
        {
            _socket = new Socket(AddressFamily.Unix, SocketType.Dgram, ProtocolType.Unspecified);
        }
    }

    public Task StartAsync(CancellationToken cancellationToken)
    {
        if (_socket is null)
        {
            return Task.CompletedTask;
        }
        // READY only once every hosted service has started: the SSH listener is up and the store is open.
        _lifetime.ApplicationStarted.Register(() => Send("READY=1\nSTATUS=accepting SSH connections"));
        _lifetime.ApplicationStopping.Register(() => Send("STOPPING=1\nSTATUS=draining sessions"));
        if (long.TryParse(Environment.GetEnvironmentVariable("WATCHDOG_USEC"), out var usec) && usec > 0)
        {
            var period = TimeSpan.FromTicks(usec * 10 / 2);
            _watchdog = _time.CreateTimer(_ => Send("WATCHDOG=1"), null, period, period);
        }
        return Task.CompletedTask;
    }

    public Task StopAsync(CancellationToken cancellationToken) => Task.CompletedTask;

    /// <summary>
    /// RELOADING=1 with the time on CLOCK_MONOTONIC, which systemd uses to match it to the reload it asked for. The
    /// real clock, not the injected TimeProvider: the value is compared with systemd's own reading of that clock.
    /// </summary>
    public void Reloading()
    {
        if (_socket is null)
        {
            return;
        }
        var usec = System.Diagnostics.Stopwatch.GetTimestamp() / (System.Diagnostics.Stopwatch.Frequency / 1_000_000);
        Send(string.Create(System.Globalization.CultureInfo.InvariantCulture, $"RELOADING=1\nMONOTONIC_USEC={usec}\nSTATUS=reloading configuration"));
    }

    /// <summary>READY=1 after a reload, applied or refused: the old or the new configuration is in force.</summary>
    public void ReloadFinished(string status)
    {
        if (_socket is not null)
        {
            Send($"READY=1\nSTATUS={status}");
        }
    }

    private void Send(string state)
    {
        try
        {
            // A leading '@' names an abstract socket, which the kernel spells with a NUL byte.
            var path = _socketPath!.StartsWith('@') ? "\0" + _socketPath[1..] : _socketPath;
            _socket!.SendTo(Encoding.ASCII.GetBytes(state), new UnixDomainSocketEndPoint(path));
        }
        catch (SocketException ex)
        {
            _logger.LogWarning("could not notify the service manager at {Socket}: {Error}", _socketPath, ex.SocketErrorCode);
        }
    }

    public void Dispose()
    {
        _watchdog?.Dispose();
        _socket?.Dispose();
    }
}
