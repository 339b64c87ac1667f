using System.Runtime.InteropServices;
using System.Threading.Channels;
using Bastion.Core.Audit;
using Bastion.Gateway.Cli;
using Bastion.Hosting.Configuration;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;

namespace Bastion.Gateway.Hosting;

/// <summary>The result of one reload, for logs and tests.</summary>
public sealed record ReloadOutcome(bool Applied, IReadOnlyList<string> Changed, IReadOnlyList<string> NeedRestart, IReadOnlyList<string> Errors);

/// <summary>
/// SIGHUP (systemctl reload) re-reads the configuration files. The new configuration is first built and validated
/// on its own, so a broken file never touches the running one; then the live configuration reloads (logging levels
/// follow it) and the reloadable settings go into force for new connections, logins and channel opens. Open sessions
/// are never touched. Settings that need a restart keep their old values and are named in the log. Both outcomes are
/// audited (config.reloaded, config.reload_failed) with key names only, never values.
/// </summary>
public sealed class ConfigurationReloader : IHostedService, IDisposable
{
    public const string Reloaded = "config.reloaded";
    public const string ReloadFailed = "config.reload_failed";

    private readonly IConfigurationRoot _live;
    private readonly Func<IConfigurationRoot> _buildFresh;
    private readonly BastionContext _context;
    private readonly SshGatewayService _ssh;
    private readonly ServiceNotifier _notifier;
    private readonly ILogger<ConfigurationReloader> _logger;
    // One pending request is enough: signals that arrive during a reload fold into the next one.
    private readonly Channel<bool> _requests = Channel.CreateBounded<bool>(new BoundedChannelOptions(1) { FullMode = BoundedChannelFullMode.DropWrite });
    private PosixSignalRegistration? _signal;
    private Task? _loop;

    public ConfigurationReloader(IConfigurationRoot live, Func<IConfigurationRoot> buildFresh, BastionContext context, SshGatewayService ssh,
        ServiceNotifier notifier, ILogger<ConfigurationReloader> logger)
    {
        _live = live;
        _buildFresh = buildFresh;
        _context = context;
        _ssh = ssh;
        _notifier = notifier;
        _logger = logger;
    }

    public Task StartAsync(CancellationToken cancellationToken)
    {
        _signal = PosixSignalRegistration.Create(PosixSignal.SIGHUP, signal =>
        {
            signal.Cancel = true; // the default action of SIGHUP would end the process
            _requests.Writer.TryWrite(true);
        });
        _loop = Task.Run(LoopAsync, CancellationToken.None);
        return Task.CompletedTask;
    }

    private async Task LoopAsync()
    {
        await foreach (var _ in _requests.Reader.ReadAllAsync().ConfigureAwait(false))
        {
            try
            {
                await ReloadAsync(CancellationToken.None).ConfigureAwait(false);
            }
            catch (Exception ex)
            {
                _logger.LogError(ex, "configuration reload failed unexpectedly; the previous configuration stays in force");
            }
        }
    }

    /// <summary>Re-reads, validates and applies the configuration (what SIGHUP does).</summary>
    public async Task<ReloadOutcome> ReloadAsync(CancellationToken cancellationToken)
    {
        _notifier.Reloading();
        var outcome = TryApply();
        if (outcome.Applied)
        {
            if (outcome.NeedRestart.Count > 0)
            {
                _logger.LogWarning("configuration changes that need a restart (old values stay in force until then): {Keys}", string.Join(", ", outcome.NeedRestart));
            }
            _logger.LogInformation("configuration reloaded; applied to new connections: {Keys}",
                outcome.Changed.Count == 0 ? "(no live setting changed)" : string.Join(", ", outcome.Changed));
            await _context.Audit.AppendAsync(new AuditEvent(Reloaded, AuditSeverity.Notice)
            {
                Data = new Dictionary<string, string>
                {
                    ["changed"] = string.Join(",", outcome.Changed),
                    ["restart_required"] = string.Join(",", outcome.NeedRestart),
                },
            }, cancellationToken).ConfigureAwait(false);
            _notifier.ReloadFinished("accepting SSH connections; configuration reloaded");
        }
        else
        {
            _logger.LogError("configuration reload refused, the previous configuration stays in force: {Errors}", string.Join("; ", outcome.Errors));
            await _context.Audit.AppendAsync(new AuditEvent(ReloadFailed, AuditSeverity.Warning)
            {
                Data = new Dictionary<string, string> { ["errors"] = string.Join("; ", outcome.Errors) },
            }, cancellationToken).ConfigureAwait(false);
            _notifier.ReloadFinished("accepting SSH connections; configuration reload refused, see the log");
        }
        return outcome;
    }

    private ReloadOutcome TryApply()
    {
        BastionOptions next;
        try
        {
            next = BastionConfiguration.Bind(_buildFresh());
        }
        catch (BastionConfigurationException ex)
        {
            return Failed(ex.Problems);
        }
        catch (Exception ex) when (ex is InvalidDataException or FormatException or IOException or UnauthorizedAccessException)
        {
            return Failed([Describe(ex)]);
        }
        var errors = BastionOptionsValidator.Validate(next);
        if (errors.Count > 0)
        {
            return Failed(errors);
        }
        var before = ReloadPlan.Snapshot(_live);
        try
        {
            _live.Reload();
        }
        catch (Exception ex) when (ex is InvalidDataException or FormatException or IOException or UnauthorizedAccessException)
        {
            // The file changed again between the check and the reload; the next SIGHUP will pick it up.
            return Failed([Describe(ex)]);
        }
        var plan = ReloadPlan.Create(before, ReloadPlan.Snapshot(_live), _context.Options, next);
        _context.ApplyReloadable(plan.Effective);
        _ssh.ApplyOptions(plan.Effective.Ssh);
        return new ReloadOutcome(true, plan.Applied, plan.NeedRestart, []);
    }

    private static ReloadOutcome Failed(IReadOnlyList<string> errors) => new(false, [], [], errors);

    /// <summary>"Failed to load configuration from file …" plus the parser's line and position, which carry no values.</summary>
    private static string Describe(Exception ex) =>
        ex.InnerException is { } inner ? $"{ex.Message} {inner.Message}" : ex.Message;

    public async Task StopAsync(CancellationToken cancellationToken)
    {
        _signal?.Dispose();
        _signal = null;
        _requests.Writer.TryComplete();
        if (_loop is not null)
        {
            await _loop.WaitAsync(cancellationToken).ConfigureAwait(false);
        }
    }

    public void Dispose() => _signal?.Dispose();
}
