using System.Collections.Concurrent;

namespace Bastion.Gateway.Ssh;

/// <summary>The connections this process holds now (for status output and, later, the admin pages).</summary>
public sealed class ActiveSessions
{
    private readonly ConcurrentDictionary<string, ConnectionState> _sessions = new();

    public int Count => _sessions.Count;

    public IReadOnlyCollection<ConnectionState> Snapshot() => _sessions.Values.ToList();

    internal void Add(ConnectionState state) => _sessions[state.SessionId] = state;

    internal void Remove(ConnectionState state) => _sessions.TryRemove(state.SessionId, out _);
}
