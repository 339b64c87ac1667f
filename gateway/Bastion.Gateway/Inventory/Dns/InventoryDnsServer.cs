using System.Net;
using System.Net.Sockets;
using ARSoft.Tools.Net.Dns;
using Bastion.Core.Inventory;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;

namespace Bastion.Gateway.Inventory.Dns;

/// <summary>
/// A small authoritative DNS responder over UDP and TCP that answers from the gateway's instance index, so developers'
/// machines resolve NAME.ZONE and NAME.ACCOUNT-ALIAS.ZONE to the same private address the gateway dials, and the
/// reverse. Register it as a hosted service (or call <see cref="StartAsync"/> / <see cref="StopAsync"/> yourself and
/// dispose it): when <see cref="InventoryDnsOptions.Enabled"/> is false, starting does nothing.
/// </summary>
/// <remarks>
/// <para>The index is asked for on every query and never kept, so a new inventory snapshot is seen by the next query.</para>
/// <para>Malformed input never stops the listener: packets are checked for sane framing before ARSoft.Tools.Net parses
/// them (<see cref="DnsMessageShape"/>); responses and stubs shorter than a header are dropped, broken framing is
/// answered FORMERR, and the rare well-framed packet the library still cannot parse is dropped. All are logged at
/// debug. A handler failure, such as the index delegate throwing, is answered SERVFAIL.</para>
/// <para>Each source address gets at most <see cref="InventoryDnsOptions.ResponsesPerSecond"/> responses a second
/// (<see cref="DnsResponseRateLimiter"/>); over UDP the rest are dropped, over TCP the connection is closed.</para>
/// </remarks>
public sealed class InventoryDnsServer : IHostedService, IAsyncDisposable
{
    // How long a TCP client may take to send its query, and how long an idle TCP connection is kept.
    private const int TcpTimeoutMilliseconds = 5_000;
    private const int TcpKeepAliveMilliseconds = 10_000;

    private readonly InventoryDnsOptions _options;
    private readonly Func<InstanceIndex> _currentIndex;
    private readonly Func<IReadOnlyList<ResolvedTarget>> _statics;
    private readonly ILogger _logger;
    private readonly InventoryDnsResponder _responder;
    private readonly TimeProvider _time;
    private readonly Action<string>? _responseDropped;
    private readonly Lock _lifecycle = new();
    private Listener? _listener;

    /// <param name="options">Validated on construction; invalid settings throw with every problem listed.</param>
    /// <param name="currentIndex">Returns the current inventory snapshot; called once per query.</param>
    /// <param name="logger">Start, stop and failures at information/warning; per-query outcomes at debug.</param>
    /// <param name="time">The clock the per-source response limit refills by and stale accounts are judged by; the system clock when null.</param>
    /// <param name="responseDropped">Told "udp" or "tcp" for each query dropped by the per-source limit (a metric).</param>
    /// <param name="statics">The static targets as last read: names they own are not answered for instances, as in SSH.</param>
    /// <param name="lookup">The resolution settings shared with SSH (how old an account's list may be).</param>
    public InventoryDnsServer(InventoryDnsOptions options, Func<InstanceIndex> currentIndex, ILogger<InventoryDnsServer> logger,
        TimeProvider? time = null, Action<string>? responseDropped = null, Func<IReadOnlyList<ResolvedTarget>>? statics = null, TargetLookupOptions? lookup = null)
    {
        ArgumentNullException.ThrowIfNull(options);
        ArgumentNullException.ThrowIfNull(currentIndex);
        ArgumentNullException.ThrowIfNull(logger);
        var errors = options.Validate();
        if (errors.Count > 0)
        {
            throw new ArgumentException("inventory DNS settings are invalid: " + string.Join("; ", errors), nameof(options));
        }
        _options = options;
        _currentIndex = currentIndex;
        _logger = logger;
        _statics = statics ?? (() => []);
        _time = time ?? TimeProvider.System;
        _responder = new InventoryDnsResponder(ZoneName.Parse(options.Zone), options.TtlSeconds, logger, lookup, _time);
        _responseDropped = responseDropped;
    }

    /// <summary>Where it listens (UDP and TCP), or null while stopped or disabled.</summary>
    public IPEndPoint? LocalEndPoint { get; private set; }

    /// <summary>Binds UDP and TCP and starts answering; throws, naming the key to change, when the address cannot be bound.</summary>
    public Task StartAsync(CancellationToken cancellationToken)
    {
        if (!_options.Enabled)
        {
            _logger.LogDebug("Inventory DNS responder is off ({Section}:Enabled is false)", InventoryDnsOptions.Section);
            return Task.CompletedTask;
        }
        lock (_lifecycle)
        {
            if (_listener is not null)
            {
                return Task.CompletedTask;
            }
            var endPoint = new IPEndPoint(IPAddress.Parse(_options.ListenAddress), _options.Port);
            // One limit per transport: forged UDP sources cannot use up what a client falling back to TCP needs.
            var transports = new IServerTransport[]
            {
                new ShapeCheckingUdpServerTransport(endPoint, OnRejected, NewLimiter(), client => OnLimited(client, "udp")),
                new ShapeCheckingServerTransport(new TcpServerTransport(endPoint, TcpTimeoutMilliseconds, TcpKeepAliveMilliseconds), OnRejected,
                    NewLimiter(), client => OnLimited(client, "tcp")),
            };
            var server = new DnsServer(transports);
            server.QueryReceived += OnQueryReceivedAsync;
            server.ExceptionThrown += OnExceptionThrownAsync;
            try
            {
                server.Start();
            }
            catch (SocketException e)
            {
                CloseAll(transports);
                throw new InvalidOperationException(
                    $"the inventory DNS responder cannot listen on {endPoint} (UDP and TCP): {e.Message}. " +
                    $"Set {InventoryDnsOptions.Section}:Port to a free port or {InventoryDnsOptions.Section}:ListenAddress to an address of this host " +
                    "(port 5353 is also mDNS, used by avahi-daemon), or stop the other listener.", e);
            }
            _listener = new Listener(server, transports);
            LocalEndPoint = endPoint;
        }
        _logger.LogInformation("Inventory DNS responder answering for {Zone} and in-addr.arpa on {EndPoint} (UDP and TCP)", _options.Zone, LocalEndPoint);
        return Task.CompletedTask;
    }

    public Task StopAsync(CancellationToken cancellationToken)
    {
        Listener? listener;
        lock (_lifecycle)
        {
            listener = _listener;
            _listener = null;
            LocalEndPoint = null;
        }
        if (listener is null)
        {
            return Task.CompletedTask;
        }
        try
        {
            // Cancels the receive loops and closes the sockets; queries already read are answered or dropped.
            listener.Server.Stop();
        }
        catch (AggregateException e) when (e.InnerExceptions.All(inner => inner is OperationCanceledException))
        {
            // ARSoft's Stop waits on its loop tasks, which end up cancelled when it is stopped right after starting,
            // and then throws before closing its sockets: they are closed below.
        }
        CloseAll(listener.Transports);
        listener.Server.QueryReceived -= OnQueryReceivedAsync;
        listener.Server.ExceptionThrown -= OnExceptionThrownAsync;
        _logger.LogInformation("Inventory DNS responder stopped");
        return Task.CompletedTask;
    }

    public async ValueTask DisposeAsync() => await StopAsync(CancellationToken.None).ConfigureAwait(false);

    private Task OnQueryReceivedAsync(object sender, QueryReceivedEventArgs e)
    {
        try
        {
            e.Response = _responder.Answer(e.Query, _currentIndex(), _statics());
        }
        catch (Exception ex)
        {
            // Leaving Response unset makes ARSoft answer SERVFAIL, which tells the client to try again later.
            _logger.LogWarning(ex, "Inventory DNS could not answer a query from {Client}; answered SERVFAIL", e.RemoteEndpoint);
        }
        return Task.CompletedTask;
    }

    private DnsResponseRateLimiter? NewLimiter() => _options.ResponsesPerSecond == 0
        ? null
        : new DnsResponseRateLimiter(_options.ResponsesPerSecond, _options.ResponseBurst, _options.RateLimitSources, _time);

    /// <summary>Counted, and logged at debug only: a flood would otherwise turn into a flood of log lines.</summary>
    private void OnLimited(IPEndPoint client, string transport)
    {
        _responseDropped?.Invoke(transport);
        if (_logger.IsEnabled(LogLevel.Debug))
        {
            _logger.LogDebug("Inventory DNS dropped a {Transport} query from {Client}: over {PerSecond} responses a second", transport, client, _options.ResponsesPerSecond);
        }
    }

    private void OnRejected(IPEndPoint client, DnsMessageVerdict verdict) =>
        _logger.LogDebug("Inventory DNS {Outcome} a malformed packet from {Client}",
            verdict == DnsMessageVerdict.FormatError ? "answered FORMERR to" : "dropped", client);

    private Task OnExceptionThrownAsync(object sender, ExceptionEventArgs e)
    {
        // ARSoft wraps parse failures of incoming packets in this message; anything else is a listener problem.
        if (e.Exception.InnerException is not null && e.Exception.Message == "Error parsing dns query")
        {
            _logger.LogDebug("Inventory DNS dropped a packet that is not a valid DNS message: {Reason}", e.Exception.InnerException.Message);
        }
        else
        {
            _logger.LogWarning(e.Exception, "Inventory DNS listener error");
        }
        return Task.CompletedTask;
    }

    /// <summary>A running ARSoft server and the transports it owns, kept so stopping can close them whatever Stop does.</summary>
    private sealed record Listener(DnsServer Server, IServerTransport[] Transports);

    private static void CloseAll(IServerTransport[] transports)
    {
        foreach (var transport in transports)
        {
            try
            {
                transport.Close();
            }
            catch (ObjectDisposedException)
            {
                // Already closed: nothing left to release.
            }
        }
    }
}
