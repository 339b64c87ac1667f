namespace Bastion.Core.Audit.Export;

/// <summary>
/// Lets one warning through per interval (the first at once), so a dead receiver yields a line every few seconds
/// with a running count instead of one line per event. Thread-safe without locks: drops are reported from the
/// audit writer's loop while failures are reported from the exporter's loop.
/// </summary>
public sealed class WarningRateLimit(TimeSpan interval, TimeProvider time)
{
    private long _last = long.MinValue;

    public bool TryAcquire()
    {
        var now = time.GetUtcNow().UtcTicks;
        var last = Interlocked.Read(ref _last);
        if (last != long.MinValue && now - last < interval.Ticks)
        {
            return false;
        }
        return Interlocked.CompareExchange(ref _last, now, last) == last;
    }
}
