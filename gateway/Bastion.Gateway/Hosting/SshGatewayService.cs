using Bastion.Ssh.Algorithms;
using System.Diagnostics.Metrics;
using System.Net;
using Bastion.Hosting.Configuration;
using Bastion.Gateway.Observability;
using Bastion.Gateway.Ssh;
using Bastion.Ssh;
using Bastion.Ssh.Algorithms.HostKeys;
using Bastion.Ssh.Resources;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;

namespace Bastion.Gateway.Hosting;

/// <summary>Runs the SSH listener for the lifetime of the host; on stop, lets sessions drain and flushes the audit trail.</summary>
public sealed class SshGatewayService : IHostedService, IAsyncDisposable
{
    private readonly BastionContext _context;
    private readonly ILoggerFactory _loggers;
    private readonly ILogger _logger;
    private readonly ActiveSessions _active;
    private readonly Limits.UserResourceCaps _caps;
    private readonly TextWriter _console;
    private readonly List<HostKey> _hostKeys = new();
    private readonly IMeterFactory? _meters;
    private readonly GatewayMetrics? _metrics;
    private readonly DescriptorBudget? _descriptors;
    private SshServer? _server;
    private readonly Limits.MemoryAdmission _memory;

    public SshGatewayService(BastionContext context, ActiveSessions active, Limits.UserResourceCaps caps, ILoggerFactory loggers, TextWriter console,
        IMeterFactory? meters = null, GatewayMetrics? metrics = null, DescriptorBudget? descriptors = null)
    {
        _descriptors = descriptors;
        _context = context;
        _active = active;
        _caps = caps;
        _loggers = loggers;
        _console = console;
        _meters = meters;
        _metrics = metrics;
        _logger = loggers.CreateLogger<SshGatewayService>();
        _memory = new Limits.MemoryAdmission(_logger, context.Time, metrics);
    }

    public IPEndPoint? LocalEndPoint => _server?.LocalEndPoint;

    /// <summary>Why this node cannot take SSH connections now (for /healthz), or null when it can.</summary>
    public string? ListenerProblem() =>
        _hostKeys.Count == 0 ? "no host key loaded yet"
        : _server is not { IsAccepting: true } ? "the SSH listener is not accepting connections"
        : null;

    /// <summary>Connections accepted from now on use <paramref name="ssh"/>'s limits and timeouts; open ones keep theirs.</summary>
    public void ApplyOptions(SshOptions ssh)
    {
        _server?.UpdateOptions(ServerOptions(ssh));
    }

    private SshServerOptions ServerOptions(SshOptions ssh) => new()
    {
        HostKeys = _hostKeys,
        Algorithms = AlgorithmTable.Default.Restrict(keyExchanges: ssh.EffectiveKexAlgorithms),
        LoginGraceTime = TimeSpan.FromSeconds(ssh.LoginGraceTimeSeconds),
        MaxAuthAttempts = ssh.MaxAuthAttempts,
        AuthFailureDelay = TimeSpan.FromMilliseconds(ssh.AuthFailureDelayMilliseconds),
        RekeyAfterBytes = ssh.RekeyAfterBytes,
        RekeyAfterTime = TimeSpan.FromSeconds(ssh.RekeyAfterSeconds),
        MaxUnauthenticatedConnections = ssh.MaxUnauthenticatedConnections,
        MaxUnauthenticatedPerSource = ssh.MaxUnauthenticatedPerSource,
        SourcePenaltyFailures = ssh.SourcePenaltyFailures,
        SourcePenaltyWindow = TimeSpan.FromSeconds(ssh.SourcePenaltySeconds),
        MaxChannelsPerConnection = ssh.MaxChannelsPerConnection,
        ClientAliveInterval = TimeSpan.FromSeconds(ssh.ClientAliveIntervalSeconds),
        ClientAliveCountMax = ssh.ClientAliveCountMax,
        IdleTimeout = TimeSpan.FromSeconds(ssh.IdleTimeoutSeconds),
        MaxConnectionTime = TimeSpan.FromSeconds(ssh.MaxConnectionSeconds),
        TimeProvider = _context.Time,
        MeterFactory = _meters,
        // An address this node knows to be locked out is turned away before the key exchange: no cryptography, no login
        // slot, no audit row per attempt (its auth.lockout row says it all), however fast it reconnects.
        DescriptorBudget = _descriptors,
        AtDescriptorLimitMessage = "Bastion: this gateway is at its open-file limit and cannot take another connection now; try again in a minute (operators: the gateway's log and bastion doctor say more)",
        RefuseConnection = remote => _context.RateLimiter.KnownLockout(null, remote.Address) is { IsLockedOut: true } lockout
            ? Ssh.LockoutMessage.For(lockout.RetryAfter)
            : _memory.Check(),
    };

    public Task StartAsync(CancellationToken cancellationToken)
    {
        foreach (var path in _context.Paths.HostKeys)
        {
            var created = !File.Exists(path);
            var key = HostKeyFile.LoadOrCreate(path);
            _hostKeys.Add(key);
            _console.WriteLine($"host key {key.KeyType} {key.Fingerprint} ({path}{(created ? ", generated now" : "")})");
        }
        var ssh = _context.Options.Ssh;
        var endPoint = new IPEndPoint(IPAddress.Parse(ssh.ListenAddress), ssh.Port);
        _server = new SshServer(endPoint, ServerOptions(ssh), new GatewaySessionHandlerFactory(_context, _active, _caps, _metrics, _descriptors), _loggers);
        _server.Start();
        _console.WriteLine($"listening on {_server.LocalEndPoint} (data in {_context.Paths.DataDirectory})");
        _console.Flush();
        _logger.LogInformation("SSH gateway listening on {EndPoint}", _server.LocalEndPoint);
        return Task.CompletedTask;
    }

    public async Task StopAsync(CancellationToken cancellationToken)
    {
        if (_server is null)
        {
            return;
        }
        _logger.LogInformation("stopping: {Count} sessions open, draining up to {Seconds} s", _active.Count, _context.Options.Ssh.ShutdownDrainSeconds);
        await _server.StopAsync(TimeSpan.FromSeconds(_context.Options.Ssh.ShutdownDrainSeconds)).ConfigureAwait(false);
        await _context.Audit.FlushAsync(cancellationToken).ConfigureAwait(false);
    }

    public async ValueTask DisposeAsync()
    {
        if (_server is not null)
        {
            await _server.DisposeAsync().ConfigureAwait(false);
        }
        foreach (var key in _hostKeys)
        {
            key.Dispose();
        }
    }
}
