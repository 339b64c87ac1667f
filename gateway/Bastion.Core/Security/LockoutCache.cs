namespace Bastion.Core.Security;

/// <summary>
/// Lockouts this process has learnt from the store (it started them, or read them), so that a locked-out address can be
/// refused on every further connection without a query. Capped: when full, expired entries go and new ones are not
/// remembered — the store still decides, a lockout not remembered only costs a query. An entry is trusted for at most
/// <see cref="MaxAge"/>, so a lockout an operator lifts in the store stops being enforced here soon after.
/// </summary>
internal sealed class LockoutCache(int capacity)
{
    public static readonly TimeSpan MaxAge = TimeSpan.FromSeconds(60);

    private readonly Lock _lock = new();
    private readonly Dictionary<string, Entry> _entries = new(StringComparer.Ordinal);

    public int Count
    {
        get
        {
            lock (_lock)
            {
                return _entries.Count;
            }
        }
    }

    public void Remember(string subject, DateTimeOffset lockedUntil, int number, DateTimeOffset now)
    {
        lock (_lock)
        {
            if (!_entries.ContainsKey(subject) && _entries.Count >= capacity)
            {
                foreach (var stale in _entries.Where(e => !e.Value.HoldsAt(now)).Select(e => e.Key).ToList())
                {
                    _entries.Remove(stale);
                }
                if (_entries.Count >= capacity)
                {
                    return;
                }
            }
            _entries[subject] = new Entry(lockedUntil, number, now + MaxAge);
        }
    }

    public void Forget(string subject)
    {
        lock (_lock)
        {
            _entries.Remove(subject);
        }
    }

    /// <summary>The remembered lockout of <paramref name="subject"/> if it still holds at <paramref name="now"/>.</summary>
    public (DateTimeOffset Until, int Number)? Find(string? subject, DateTimeOffset now)
    {
        if (subject is null)
        {
            return null;
        }
        lock (_lock)
        {
            if (!_entries.TryGetValue(subject, out var entry))
            {
                return null;
            }
            if (!entry.HoldsAt(now))
            {
                _entries.Remove(subject);
                return null;
            }
            return (entry.Until, entry.Number);
        }
    }

    private sealed record Entry(DateTimeOffset Until, int Number, DateTimeOffset TrustedUntil)
    {
        public bool HoldsAt(DateTimeOffset now) => Until > now && TrustedUntil > now;
    }
}
