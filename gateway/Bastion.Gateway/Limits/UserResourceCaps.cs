namespace Bastion.Gateway.Limits;

/// <summary>
/// What each user holds on this node — authenticated connections, open channels, channel opens in the last minute —
/// and the check against <see cref="UserLimits"/> before a login or a channel is let through. One instance per
/// process, shared by every connection; in memory only, so the caps are per node. Every grant is a lease released
/// exactly once (a second Dispose does nothing), and a connection's lease takes its channels' leases with it, so a
/// channel whose close never arrives cannot leak a count past its connection.
/// </summary>
public sealed class UserResourceCaps
{
    /// <summary>How often users holding nothing and quiet for a minute are forgotten.</summary>
    private const long SweepEverySeconds = 60;

    private readonly TimeProvider _time;
    private readonly Lock _gate = new();
    private readonly Dictionary<string, Usage> _users = new(StringComparer.Ordinal);
    private long _nextSweep;

    public UserResourceCaps(TimeProvider time)
    {
        _time = time;
        Notices = new RefusalNotices(time);
    }

    /// <summary>Which refusals get an audit row and an alert (one per user and cap per minute).</summary>
    public RefusalNotices Notices { get; }

    /// <summary>Users with an entry (holding something, or with channel opens in the last minute).</summary>
    public int TrackedUsers
    {
        get
        {
            lock (_gate)
            {
                return _users.Count;
            }
        }
    }

    /// <summary>What <paramref name="user"/> holds now and has asked for in the last minute.</summary>
    public (int Connections, int Channels, int OpensLastMinute) UsageOf(string user)
    {
        lock (_gate)
        {
            return _users.TryGetValue(user, out var usage) ? (usage.Connections, usage.Channels, usage.Opens.Count(Now())) : (0, 0, 0);
        }
    }

    /// <summary>
    /// A login of <paramref name="user"/> is about to succeed: a lease on one connection, or null and the refusal when
    /// they already hold <see cref="UserLimits.ConnectionsPerUser"/>.
    /// </summary>
    public ConnectionLease? TryOpenConnection(string user, UserLimits limits, out CapRefusal? refusal)
    {
        lock (_gate)
        {
            var now = Now();
            SweepIfDue(now);
            if (!_users.TryGetValue(user, out var usage))
            {
                usage = new Usage();
                _users[user] = usage;
            }
            if (limits.ConnectionsPerUser > 0 && usage.Connections >= limits.ConnectionsPerUser)
            {
                refusal = new CapRefusal(user, UserCaps.ConnectionsPerUser, limits.KeyOf(UserCaps.ConnectionsPerUser), limits.ConnectionsPerUser, usage.Connections);
                ForgetIfIdle(user, usage, now);
                return null;
            }
            usage.Connections++;
            refusal = null;
            return new ConnectionLease(this, user, usage);
        }
    }

    /// <summary>
    /// A channel open on <paramref name="connection"/>: a lease on one channel, or null and the refusal when its user
    /// asked for <see cref="UserLimits.ChannelOpensPerMinute"/> opens in the last minute or holds
    /// <see cref="UserLimits.ChannelsPerUser"/> channels.
    /// </summary>
    public ChannelLease? TryOpenChannel(ConnectionLease connection, UserLimits limits, out CapRefusal? refusal)
    {
        lock (_gate)
        {
            refusal = null;
            var usage = connection.Usage;
            var lease = new ChannelLease(this, connection);
            if (connection.Released)
            {
                // The connection ended while this open was under way: the channel dies with it; count nothing.
                lease.Released = true;
                return lease;
            }
            var now = Now();
            // Every attempt counts, refused ones too: a loop that keeps asking stays refused until it pauses, instead
            // of getting a channel through each time an old open leaves the window. The rolling minute's memory does
            // not grow with the attempts.
            usage.Opens.Add(now);
            var opens = usage.Opens.Count(now);
            if (limits.ChannelOpensPerMinute > 0 && opens > limits.ChannelOpensPerMinute)
            {
                refusal = new CapRefusal(connection.User, UserCaps.ChannelOpensPerMinute, limits.KeyOf(UserCaps.ChannelOpensPerMinute), limits.ChannelOpensPerMinute, opens);
                return null;
            }
            if (limits.ChannelsPerUser > 0 && usage.Channels >= limits.ChannelsPerUser)
            {
                refusal = new CapRefusal(connection.User, UserCaps.ChannelsPerUser, limits.KeyOf(UserCaps.ChannelsPerUser), limits.ChannelsPerUser, usage.Channels);
                return null;
            }
            usage.Channels++;
            connection.Channels.Add(lease);
            return lease;
        }
    }

    internal void Release(ChannelLease lease)
    {
        lock (_gate)
        {
            if (lease.Released)
            {
                return;
            }
            lease.Released = true;
            lease.Connection.Channels.Remove(lease);
            lease.Connection.Usage.Channels--;
        }
    }

    internal void Release(ConnectionLease lease)
    {
        lock (_gate)
        {
            if (lease.Released)
            {
                return;
            }
            lease.Released = true;
            foreach (var channel in lease.Channels)
            {
                channel.Released = true;
                lease.Usage.Channels--;
            }
            lease.Channels.Clear();
            lease.Usage.Connections--;
            ForgetIfIdle(lease.User, lease.Usage, Now());
        }
    }

    /// <summary>Monotonic seconds (not the wall clock: a clock step must not empty or fill the minute).</summary>
    private long Now() => _time.GetTimestamp() / _time.TimestampFrequency;

    private void ForgetIfIdle(string user, Usage usage, long now)
    {
        if (usage.Connections == 0 && usage.Channels == 0 && usage.Opens.Count(now) == 0)
        {
            _users.Remove(user);
        }
    }

    /// <summary>Users who left with opens in their last minute stay until it is over; forgotten here, at most once a minute.</summary>
    private void SweepIfDue(long now)
    {
        if (now < _nextSweep)
        {
            return;
        }
        _nextSweep = now + SweepEverySeconds;
        foreach (var (user, usage) in _users.ToList())
        {
            ForgetIfIdle(user, usage, now);
        }
    }

    /// <summary>One user's counts; changed only under the owner's lock.</summary>
    internal sealed class Usage
    {
        public int Connections;
        public int Channels;
        public readonly RollingMinute Opens = new();
    }
}

/// <summary>One authenticated connection counted against its user; Dispose (when the connection ends) releases it and its channels.</summary>
public sealed class ConnectionLease : IDisposable
{
    private readonly UserResourceCaps _owner;

    internal ConnectionLease(UserResourceCaps owner, string user, UserResourceCaps.Usage usage)
    {
        _owner = owner;
        User = user;
        Usage = usage;
    }

    public string User { get; }

    internal UserResourceCaps.Usage Usage { get; }

    /// <summary>Its channels not released yet (changed under the owner's lock).</summary>
    internal HashSet<ChannelLease> Channels { get; } = [];

    internal bool Released { get; set; }

    public void Dispose() => _owner.Release(this);
}

/// <summary>One open channel counted against its user; Dispose (when the channel closes) releases it.</summary>
public sealed class ChannelLease : IDisposable
{
    private readonly UserResourceCaps _owner;

    internal ChannelLease(UserResourceCaps owner, ConnectionLease connection)
    {
        _owner = owner;
        Connection = connection;
    }

    internal ConnectionLease Connection { get; }

    internal bool Released { get; set; }

    public void Dispose() => _owner.Release(this);
}
