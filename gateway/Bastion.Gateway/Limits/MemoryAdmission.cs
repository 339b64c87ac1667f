using Bastion.Gateway.Observability;
using Bastion.Ssh.Resources;
using Microsoft.Extensions.Logging;

namespace Bastion.Gateway.Limits;

/// <summary>
/// Turns new connections away while the process is short of memory, so the sessions already open keep the memory they
/// run on. "Short" is the GC's own judgement: memory load at or above its high-load threshold (90% of what the process
/// may use — the machine's memory, a cgroup's MemoryMax from the systemd unit, or DOTNET_GCHeapHardLimit), as of the
/// last collection. Cheap enough for the accept loop: no system call, just the GC's last figures.
/// </summary>
public sealed class MemoryAdmission
{
    public const string Refusal = "Bastion: this gateway is short of memory and cannot take another connection now; try again in a minute (operators: the gateway's log says more)";

    private readonly ILogger _logger;
    private readonly GatewayMetrics? _metrics;
    private readonly ThrottledWarning _warning;

    public MemoryAdmission(ILogger logger, TimeProvider time, GatewayMetrics? metrics)
    {
        _logger = logger;
        _metrics = metrics;
        _warning = new ThrottledWarning(time, TimeSpan.FromSeconds(10));
    }

    /// <summary>The sentence for a new connection while memory is short, or null.</summary>
    public string? Check()
    {
        var info = GC.GetGCMemoryInfo();
        if (info.HighMemoryLoadThresholdBytes <= 0 || info.MemoryLoadBytes < info.HighMemoryLoadThresholdBytes)
        {
            return null;
        }
        _metrics?.ConnectionRefusedForMemory();
        if (_warning.ShouldWrite(out var times))
        {
            _logger.LogWarning("refused {Times} connection(s) in the last 10 s for memory: load {Load} MiB at or above the GC's high-load threshold {Threshold} MiB of {Available} MiB available; raise MemoryMax or lower the per-user limits",
                times, info.MemoryLoadBytes >> 20, info.HighMemoryLoadThresholdBytes >> 20, info.TotalAvailableMemoryBytes >> 20);
        }
        return Refusal;
    }
}
