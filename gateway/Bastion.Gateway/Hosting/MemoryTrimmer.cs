using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;

namespace Bastion.Gateway.Hosting;

/// <summary>
/// Gives memory back to the OS after bursts of logins. Key exchanges, audit writes and database reads leave
/// garbage that the GC keeps committed until its next collection, which an idle bastion holding thousands of
/// quiet sessions may never reach; live data per held session is a few KiB. When a burst has passed (much
/// allocated since the last trim, little in the last period) an aggressive collection decommits the free space.
/// </summary>
public sealed class MemoryTrimmer : BackgroundService
{
    private static readonly TimeSpan Period = TimeSpan.FromSeconds(1);
    private const long BurstBytes = 32L * 1024 * 1024;
    private const long QuietBytesPerPeriod = 1L * 1024 * 1024;

    private readonly TimeProvider _time;
    private readonly ILogger<MemoryTrimmer> _logger;

    public MemoryTrimmer(TimeProvider time, ILogger<MemoryTrimmer> logger)
    {
        _time = time;
        _logger = logger;
    }

    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        var sinceTrim = GC.GetTotalAllocatedBytes();
        var previous = sinceTrim;
        using var timer = new PeriodicTimer(Period, _time);
        while (await timer.WaitForNextTickAsync(stoppingToken).ConfigureAwait(false))
        {
            var now = GC.GetTotalAllocatedBytes();
            var quiet = now - previous < QuietBytesPerPeriod;
            previous = now;
            if (quiet && now - sinceTrim >= BurstBytes)
            {
                var before = GC.GetGCMemoryInfo().TotalCommittedBytes;
                GC.Collect(GC.MaxGeneration, GCCollectionMode.Aggressive, blocking: true, compacting: true);
                var after = GC.GetGCMemoryInfo().TotalCommittedBytes;
                _logger.LogDebug("trimmed GC heap after a burst: committed {Before} → {After} bytes", before, after);
                sinceTrim = GC.GetTotalAllocatedBytes();
                previous = sinceTrim;
            }
        }
    }
}
