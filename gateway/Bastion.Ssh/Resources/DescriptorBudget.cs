namespace Bastion.Ssh.Resources;

/// <summary>
/// Keeps a single-process server clear of its open-file limit (RLIMIT_NOFILE). sshd forks a process per connection and
/// never meets the limit; one process holding thousands of sockets does, and at the limit it is not only the next
/// accept that fails: the .NET runtime needs descriptors to start a thread and aborts the whole process ("Out of
/// memory.") when it cannot get them. So new connections and outbound sockets take a <see cref="DescriptorLease"/>,
/// refused while fewer than <see cref="Reserve"/> descriptors would stay free; the reserve is what the runtime, the
/// store, the audit trail and refusal messages draw on.
/// <para>
/// The count is the leases out plus everything else the process holds, measured from the descriptor table every
/// <see cref="SampleInterval"/> (pooled database connections, log files, the runtime's own), so a lease taken between
/// two samples is counted at once and nothing depends on every descriptor being leased. The limit is read again at
/// each sample: an operator may change it with prlimit while the server runs.
/// </para>
/// </summary>
public sealed class DescriptorBudget : IDisposable
{
    /// <summary>How often the descriptor table is counted; a burst between two samples is covered by the reserve.</summary>
    public static readonly TimeSpan SampleInterval = TimeSpan.FromSeconds(1);

    private readonly IDescriptorTable _table;
    private readonly ITimer? _sampler;
    private readonly object _sampleGate = new();
    private long _leased;
    private long _untracked;
    private long _limit;
    private long _refusalsInFlight;

    /// <param name="table">The process's descriptors; <see cref="ProcessDescriptorTable"/> outside tests.</param>
    /// <param name="time">Drives the sampler; null samples only when <see cref="Sample"/> is called (tests).</param>
    public DescriptorBudget(IDescriptorTable table, TimeProvider? time)
    {
        _table = table;
        Sample();
        _sampler = time?.CreateTimer(_ => Sample(), null, SampleInterval, SampleInterval);
    }

    /// <summary>The soft open-file limit at the last sample.</summary>
    public long Limit => Interlocked.Read(ref _limit);

    /// <summary>Descriptors kept free for the runtime, the store and the audit trail: 1/32 of the limit, 128 to 512.</summary>
    public long Reserve => ReserveFor(Limit);

    /// <summary>Descriptors the process holds now, as far as the budget knows (last sample plus leases since).</summary>
    public long InUse => Interlocked.Read(ref _leased) + Interlocked.Read(ref _untracked);

    /// <summary>Leases that can still be taken.</summary>
    public long Available => Math.Max(0, Limit - Reserve - InUse);

    /// <summary>Leases out now (sockets the server opened through the budget).</summary>
    public long Leased => Interlocked.Read(ref _leased);

    public static long ReserveFor(long limit) => Math.Clamp(limit / 32, 128, 512);

    /// <summary>One descriptor for a new socket, or null when taking it would cut into the reserve.</summary>
    public DescriptorLease? TryTake()
    {
        var leased = Interlocked.Increment(ref _leased);
        if (leased + Interlocked.Read(ref _untracked) > Limit - Reserve)
        {
            Interlocked.Decrement(ref _leased);
            return null;
        }
        return new DescriptorLease(this);
    }

    /// <summary>
    /// One descriptor from the reserve for a connection that is accepted only to be told why it is refused. At most a
    /// quarter of the reserve goes to refusals at once; beyond that a connection is closed without a word rather than
    /// let a flood of refusals eat what the runtime needs.
    /// </summary>
    public DescriptorLease? TryTakeForRefusal()
    {
        if (Interlocked.Increment(ref _refusalsInFlight) > Reserve / 4)
        {
            Interlocked.Decrement(ref _refusalsInFlight);
            return null;
        }
        Interlocked.Increment(ref _leased);
        return new DescriptorLease(this, refusal: true);
    }

    internal void Release(bool refusal)
    {
        Interlocked.Decrement(ref _leased);
        if (refusal)
        {
            Interlocked.Decrement(ref _refusalsInFlight);
        }
    }

    /// <summary>Counts the descriptor table and reads the limit again (the timer calls it every <see cref="SampleInterval"/>).</summary>
    public void Sample()
    {
        lock (_sampleGate)
        {
            try
            {
                // Leases taken while counting may or may not be in the count; reading them before and after and
                // keeping the smaller "untracked" errs on the side of admitting, which the reserve absorbs.
                var before = Interlocked.Read(ref _leased);
                var open = _table.CountOpen();
                var after = Interlocked.Read(ref _leased);
                Interlocked.Exchange(ref _untracked, Math.Max(0, open - Math.Max(before, after)));
                Interlocked.Exchange(ref _limit, _table.Limit());
            }
            catch (Exception)
            {
                // At the limit itself the count may fail to open the table; the previous figures stand until it can.
                // Nothing may escape: this runs on a timer, where an exception would end the process.
            }
        }
    }

    public void Dispose() => _sampler?.Dispose();
}

/// <summary>One descriptor counted against a <see cref="DescriptorBudget"/>; disposing it gives it back, once.</summary>
public sealed class DescriptorLease : IDisposable
{
    private DescriptorBudget? _budget;
    private readonly bool _refusal;

    internal DescriptorLease(DescriptorBudget budget, bool refusal = false)
    {
        _budget = budget;
        _refusal = refusal;
    }

    public void Dispose() => Interlocked.Exchange(ref _budget, null)?.Release(_refusal);
}
