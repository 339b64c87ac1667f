namespace Bastion.Core.Audit.Export;

/// <summary>Pause before retrying a failed receiver: 0.5 s, doubling up to 30 s; back to the start after a success.</summary>
public sealed class ReconnectBackoff(TimeSpan? first = null, TimeSpan? max = null)
{
    private readonly TimeSpan _first = first ?? TimeSpan.FromMilliseconds(500);
    private readonly TimeSpan _max = max ?? TimeSpan.FromSeconds(30);
    private TimeSpan _next = TimeSpan.Zero;

    public TimeSpan Next()
    {
        _next = _next == TimeSpan.Zero ? _first : TimeSpan.FromTicks(Math.Min(_next.Ticks * 2, _max.Ticks));
        return _next;
    }

    public void Reset() => _next = TimeSpan.Zero;
}
