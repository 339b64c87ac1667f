namespace Bastion.Gateway.Limits;

/// <summary>
/// Decides which cap refusals are written down: the first for a user and cap, then none for a minute (a loop hitting a
/// cap a thousand times must not bury the audit trail or page the on-call a thousand times). The next row says how
/// many were left out meanwhile. Every refusal is still counted in the metrics.
/// </summary>
public sealed class RefusalNotices
{
    private const long QuietSeconds = 60;

    /// <summary>Beyond this many remembered (user, cap) pairs, pairs quiet for a minute are forgotten.</summary>
    private const int PruneAbove = 1024;

    private readonly TimeProvider _time;
    private readonly Lock _gate = new();
    private readonly Dictionary<(string User, string Cap), Notice> _last = new();

    public RefusalNotices(TimeProvider time) => _time = time;

    /// <summary>
    /// True when this refusal is to be audited and alerted; <paramref name="leftOut"/> is then the number of refusals of
    /// the same user and cap not written since the last one.
    /// </summary>
    public bool ShouldReport(string user, string cap, out int leftOut)
    {
        var now = _time.GetTimestamp() / _time.TimestampFrequency;
        lock (_gate)
        {
            if (_last.TryGetValue((user, cap), out var notice) && now - notice.Second < QuietSeconds)
            {
                notice.LeftOut++;
                leftOut = 0;
                return false;
            }
            leftOut = notice?.LeftOut ?? 0;
            if (_last.Count >= PruneAbove)
            {
                foreach (var key in _last.Where(kv => now - kv.Value.Second >= QuietSeconds).Select(kv => kv.Key).ToList())
                {
                    _last.Remove(key);
                }
            }
            _last[(user, cap)] = new Notice { Second = now };
            return true;
        }
    }

    private sealed class Notice
    {
        public long Second;
        public int LeftOut;
    }
}
