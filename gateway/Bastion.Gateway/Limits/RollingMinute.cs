namespace Bastion.Gateway.Limits;

/// <summary>
/// Events in the last 60 seconds, in one-second buckets: a rolling minute whose memory does not grow with the rate
/// (a loop opening thousands of channels costs 60 counters, not a timestamp each). Not thread-safe; the owner locks.
/// </summary>
internal sealed class RollingMinute
{
    private const int Seconds = 60;

    // Which absolute second each bucket counts; a bucket whose second left the window is stale and counts nothing.
    private readonly long[] _second = new long[Seconds];
    private readonly int[] _count = new int[Seconds];

    public RollingMinute()
    {
        Array.Fill(_second, long.MinValue);
    }

    public void Add(long second)
    {
        var i = (int)(second % Seconds);
        if (_second[i] != second)
        {
            _second[i] = second;
            _count[i] = 0;
        }
        _count[i]++;
    }

    /// <summary>Events in the seconds (<paramref name="second"/> - 59) .. <paramref name="second"/>.</summary>
    public int Count(long second)
    {
        var total = 0;
        for (var i = 0; i < Seconds; i++)
        {
            if (_second[i] > second - Seconds && _second[i] <= second)
            {
                total += _count[i];
            }
        }
        return total;
    }
}
