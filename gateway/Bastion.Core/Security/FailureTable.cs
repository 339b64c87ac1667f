namespace Bastion.Core.Security;

/// <summary>
/// Failure history and lockouts for one kind of key (user names or addresses), with least-recently-used
/// eviction to stay within a fixed size. Not thread-safe: <see cref="AuthRateLimiter"/> locks around it.
/// </summary>
internal sealed class FailureTable
{
    private readonly Dictionary<string, LinkedListNode<Entry>> _entries = new(StringComparer.Ordinal);
    private readonly LinkedList<Entry> _recency = new(); // least recently touched first
    private readonly int _capacity;

    public FailureTable(int capacity) => _capacity = Math.Max(1, capacity);

    public int Count => _entries.Count;

    /// <summary>The lockout end for <paramref name="key"/>, if it is locked at <paramref name="now"/>.</summary>
    public DateTimeOffset? LockedUntil(string key, DateTimeOffset now) =>
        _entries.TryGetValue(key, out var node) && node.Value.LockedUntil > now ? node.Value.LockedUntil : null;

    /// <summary>Records a failure; returns true if it started a lockout.</summary>
    public bool RecordFailure(string key, DateTimeOffset now, int threshold, TimeSpan window, TimeSpan lockout)
    {
        var entry = Touch(key);
        if (entry.LockedUntil > now)
        {
            return false; // Already locked; failures while locked neither extend nor count.
        }
        while (entry.Failures.Count > 0 && entry.Failures.Peek() <= now - window)
        {
            entry.Failures.Dequeue();
        }
        entry.Failures.Enqueue(now);
        if (entry.Failures.Count < threshold)
        {
            return false;
        }
        entry.Failures.Clear();
        entry.LockedUntil = now + lockout;
        return true;
    }

    public void Forget(string key)
    {
        if (_entries.Remove(key, out var node))
        {
            _recency.Remove(node);
        }
    }

    private Entry Touch(string key)
    {
        if (_entries.TryGetValue(key, out var node))
        {
            _recency.Remove(node);
            _recency.AddLast(node);
            return node.Value;
        }
        if (_entries.Count >= _capacity)
        {
            var oldest = _recency.First!;
            _recency.RemoveFirst();
            _entries.Remove(oldest.Value.Key);
        }
        node = _recency.AddLast(new Entry(key));
        _entries[key] = node;
        return node.Value;
    }

    private sealed class Entry(string key)
    {
        public string Key { get; } = key;

        public Queue<DateTimeOffset> Failures { get; } = new();

        public DateTimeOffset LockedUntil { get; set; } = DateTimeOffset.MinValue;
    }
}
