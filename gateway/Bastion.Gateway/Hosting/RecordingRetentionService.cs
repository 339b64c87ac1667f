using Bastion.Core.Recordings;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;

namespace Bastion.Gateway.Hosting;

/// <summary>Applies Bastion:Recording:RetentionDays at start and every six hours (reloaded settings take effect at the next run).</summary>
public sealed class RecordingRetentionService : BackgroundService
{
    private static readonly TimeSpan Period = TimeSpan.FromHours(6);

    private readonly BastionContext _context;
    private readonly ILogger<RecordingRetentionService> _logger;

    public RecordingRetentionService(BastionContext context, ILogger<RecordingRetentionService> logger)
    {
        _context = context;
        _logger = logger;
    }

    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        using var timer = new PeriodicTimer(Period, _context.Time);
        do
        {
            var days = _context.Options.Recording.RetentionDays;
            if (days <= 0)
            {
                continue;
            }
            try
            {
                var deleted = await RecordingRetention.PruneAsync(_context.Store, _context.Audit, _context.Time.GetUtcNow().AddDays(-days),
                    $"node:{_context.NodeId}", $"retention {days} days", stoppingToken).ConfigureAwait(false);
                if (deleted > 0)
                {
                    _logger.LogInformation("deleted {Count} recordings older than {Days} days (Bastion:Recording:RetentionDays)", deleted, days);
                }
            }
            catch (Exception ex) when (ex is not OperationCanceledException)
            {
                _logger.LogWarning(ex, "recording retention failed; retrying in {Period}", Period);
            }
        }
        while (await timer.WaitForNextTickAsync(stoppingToken).ConfigureAwait(false));
    }
}
