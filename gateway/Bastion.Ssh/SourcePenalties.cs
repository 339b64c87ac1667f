using System.Net;

namespace Bastion.Ssh;

/// <summary>
/// Which sources failed logins recently (like OpenSSH's PerSourcePenalties): a source with
/// <see cref="SshServerOptions.SourcePenaltyFailures"/> failures inside <see cref="SshServerOptions.SourcePenaltyWindow"/>
/// is penalised until the oldest of them ages out. Only a penalised source is held to
/// <see cref="SshServerOptions.MaxUnauthenticatedPerSource"/>, so an office of developers behind one NAT address, all
/// reading codes from their phones at once, is never turned away for connecting — only for failing.
/// A failure is a rejected credential (a bad signature, a wrong code) or a login that ran out its grace time; offering
/// a key the server does not know is not one, since a client with several keys in its agent does that on every login.
/// </summary>
internal sealed class SourcePenalties
{
    /// <summary>Sources remembered at most; past this, expired entries are dropped and then the stalest source.</summary>
    internal const int MaxSources = 65_536;

    private readonly Lock _gate = new();
    private readonly Dictionary<IPAddress, Queue<long>> _failures = new();
    private readonly TimeProvider _time;

    public SourcePenalties(TimeProvider time) => _time = time;

    public int SourceCount
    {
        get
        {
            lock (_gate)
            {
                return _failures.Count;
            }
        }
    }

    /// <summary>Counts one failed login for <paramref name="source"/> (already reduced by <see cref="UnauthenticatedSlots.SourceKey"/>).</summary>
    public void RecordFailure(IPAddress source, SshServerOptions options)
    {
        if (options.SourcePenaltyFailures <= 0)
        {
            return;
        }
        var now = _time.GetTimestamp();
        lock (_gate)
        {
            if (!_failures.TryGetValue(source, out var times))
            {
                if (_failures.Count >= MaxSources)
                {
                    MakeRoom(now, options);
                }
                _failures[source] = times = new Queue<long>(options.SourcePenaltyFailures);
            }
            times.Enqueue(now);
            // Only the last N failures can decide whether the source is penalised: memory per source stays bounded.
            while (times.Count > options.SourcePenaltyFailures)
            {
                times.Dequeue();
            }
        }
    }

    /// <summary>True while <paramref name="source"/> is penalised, with how long it stays so.</summary>
    public bool IsPenalised(IPAddress source, SshServerOptions options, out TimeSpan remaining)
    {
        remaining = TimeSpan.Zero;
        if (options.SourcePenaltyFailures <= 0)
        {
            return false;
        }
        var now = _time.GetTimestamp();
        lock (_gate)
        {
            if (!_failures.TryGetValue(source, out var times) || times.Count < options.SourcePenaltyFailures)
            {
                return false;
            }
            var oldestAge = _time.GetElapsedTime(times.Peek(), now);
            if (oldestAge >= options.SourcePenaltyWindow)
            {
                return false;
            }
            remaining = options.SourcePenaltyWindow - oldestAge;
            return true;
        }
    }

    private void MakeRoom(long now, SshServerOptions options)
    {
        var expired = _failures.Where(p => _time.GetElapsedTime(p.Value.Last(), now) >= options.SourcePenaltyWindow).Select(p => p.Key).ToList();
        foreach (var source in expired)
        {
            _failures.Remove(source);
        }
        if (_failures.Count >= MaxSources)
        {
            // Everyone is recent (a spread of addresses failing at once): forget the eighth whose last failure is
            // oldest, the least likely to be penalised next. An eighth at a time keeps this scan rare.
            foreach (var source in _failures.OrderBy(p => p.Value.Last()).Take(MaxSources / 8).Select(p => p.Key).ToList())
            {
                _failures.Remove(source);
            }
        }
    }
}
