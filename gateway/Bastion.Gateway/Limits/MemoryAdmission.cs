using Bastion.Gateway.Observability;
using Bastion.Ssh.Resources;
using Microsoft.Extensions.Logging;

namespace Bastion.Gateway.Limits;

/// <summary>
/// Turns new connections away while the process is short of memory, so the sessions already open keep the memory they
/// run on. "Short" is the GC's own figures as of the last collection: memory load at or above its high-load threshold
/// (90% of the machine's memory or a cgroup's MemoryMax from the systemd unit), or the committed heap past 80% of what
/// the process may use (which a DOTNET_GCHeapHardLimit sets). Cheap enough for the accept loop: no system call, just the GC's last figures.
/// </summary>
public sealed class MemoryAdmission
{
    public const string Refusal = "Bastion: this gateway is short of memory and cannot take another connection now; try again in a minute (operators: the gateway's log says more)";

    /// <summary>Committed heap, as a share of the memory available to the process, past which new connections wait.</summary>
    private const long HeapPercent = 80;

    private readonly ILogger _logger;
    private readonly GatewayMetrics? _metrics;
    private readonly ThrottledWarning _warning;
    private readonly TimeProvider _time;

    public MemoryAdmission(ILogger logger, TimeProvider time, GatewayMetrics? metrics)
    {
        _logger = logger;
        _metrics = metrics;
        _time = time;
        _warning = new ThrottledWarning(time, TimeSpan.FromSeconds(10));
    }

    /// <summary>
    /// The figures are the last collection's. Once the load has gone, a quiet gateway may not collect for a long time,
    /// and would go on refusing on stale figures: while refusing, a background collection every few seconds
    /// brings them up to date.
    /// </summary>
    private void RefreshFiguresNowAndThen()
    {
        var now = _time.GetTimestamp();
        var last = Interlocked.Read(ref _lastCollection);
        if ((last == 0 || _time.GetElapsedTime(last, now) >= RefreshEvery) && Interlocked.CompareExchange(ref _lastCollection, now, last) == last)
        {
            GC.Collect(GC.MaxGeneration, GCCollectionMode.Forced, blocking: false);
        }
    }

    private static readonly TimeSpan RefreshEvery = TimeSpan.FromSeconds(5);
    private long _lastCollection;

    /// <summary>The sentence for a new connection while memory is short, or null.</summary>
    public string? Check()
    {
        var info = GC.GetGCMemoryInfo();
        // Two readings of "short": the machine's (or cgroup's) memory load past the GC's threshold, and — under a heap
        // hard limit, where the load is the machine's — the heap's committed bytes near what the process may use.
        var loadHigh = info.HighMemoryLoadThresholdBytes > 0 && info.MemoryLoadBytes >= info.HighMemoryLoadThresholdBytes;
        var heapHigh = info.TotalAvailableMemoryBytes > 0 && info.TotalCommittedBytes >= info.TotalAvailableMemoryBytes / 100 * HeapPercent;
        if (!loadHigh && !heapHigh)
        {
            return null;
        }
        _metrics?.ConnectionRefusedForMemory();
        RefreshFiguresNowAndThen();
        if (_warning.ShouldWrite(out var times))
        {
            _logger.LogWarning("refused {Times} connection(s) in the last 10 s for memory: load {Load} MiB (the GC's high-load threshold is {Threshold} MiB), heap committed {Committed} MiB, of {Available} MiB available to the process; raise MemoryMax or lower the per-user limits",
                times, info.MemoryLoadBytes >> 20, info.HighMemoryLoadThresholdBytes >> 20, info.TotalCommittedBytes >> 20, info.TotalAvailableMemoryBytes >> 20);
        }
        return Refusal;
    }
}
