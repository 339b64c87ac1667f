namespace Bastion.Gateway.Relay;

/// <summary>
/// Bounds how much target output SSH.NET holds that the bridge has not taken yet. SSH.NET re-opens the channel window
/// as soon as data arrives, not when it is read, so a target printing faster than the recording is stored would
/// otherwise grow the gateway's memory without limit. <see cref="OnReceived"/> runs on SSH.NET's receive thread (its
/// DataReceived event, raised after the data is buffered): blocking there stops SSH.NET reading the target's socket,
/// and TCP flow control then stops the target.
/// </summary>
public sealed class ReceiveBackpressure
{
    private static readonly TimeSpan RecheckEvery = TimeSpan.FromMilliseconds(250);

    private readonly object _gate = new();
    private readonly long _limit;
    private long _unread;
    private bool _released;

    public ReceiveBackpressure(long limit) => _limit = limit;

    /// <summary>Bytes not yet taken by the bridge (may dip below zero briefly: the bridge can take data before the event reports it).</summary>
    public long Unread
    {
        get
        {
            lock (_gate)
            {
                return _unread;
            }
        }
    }

    /// <summary>SSH.NET received <paramref name="count"/> bytes; waits while more than the limit is unread.</summary>
    public void OnReceived(int count)
    {
        lock (_gate)
        {
            _unread += count;
            while (_unread > _limit && !_released)
            {
                Monitor.Wait(_gate, RecheckEvery);
            }
        }
    }

    /// <summary>The bridge took <paramref name="count"/> bytes.</summary>
    public void OnTaken(int count)
    {
        lock (_gate)
        {
            _unread -= count;
            Monitor.PulseAll(_gate);
        }
    }

    /// <summary>The session is ending: never block SSH.NET's receive thread again (it must process the close).</summary>
    public void Release()
    {
        lock (_gate)
        {
            _released = true;
            Monitor.PulseAll(_gate);
        }
    }
}
