namespace Bastion.Core.Security;

/// <summary>
/// Runs work for one key (a user name) one piece at a time in this process, other keys in parallel. Used for TOTP
/// guesses: a guess is checked and, if wrong, counted in the store before the next guess for the same user is checked,
/// so a hundred connections answering at once cannot all be checked before the lockout their failures start lands.
/// Memory holds only keys with work waiting or running.
/// </summary>
public sealed class OneAtATime
{
    private readonly Dictionary<string, Entry> _entries = new(StringComparer.Ordinal);

    /// <summary>Keys with work waiting or running (for tests: it returns to zero).</summary>
    public int ActiveKeys
    {
        get
        {
            lock (_entries)
            {
                return _entries.Count;
            }
        }
    }

    public async Task<T> RunAsync<T>(string key, Func<Task<T>> work, CancellationToken ct = default)
    {
        ArgumentNullException.ThrowIfNull(work);
        Entry entry;
        lock (_entries)
        {
            if (!_entries.TryGetValue(key, out entry!))
            {
                entry = new Entry();
                _entries[key] = entry;
            }
            entry.Holders++;
        }
        try
        {
            await entry.Turn.WaitAsync(ct).ConfigureAwait(false);
            try
            {
                return await work().ConfigureAwait(false);
            }
            finally
            {
                entry.Turn.Release();
            }
        }
        finally
        {
            lock (_entries)
            {
                if (--entry.Holders == 0)
                {
                    _entries.Remove(key);
                    entry.Turn.Dispose();
                }
            }
        }
    }

    private sealed class Entry
    {
        public SemaphoreSlim Turn { get; } = new(1, 1);

        public int Holders { get; set; }
    }
}
