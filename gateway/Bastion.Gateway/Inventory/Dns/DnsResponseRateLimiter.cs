using System.Buffers.Binary;
using System.Net;
using System.Net.Sockets;

namespace Bastion.Gateway.Inventory.Dns;

/// <summary>
/// A token bucket per source address (IPv6 per /64, which one host or site usually holds whole): each response
/// takes a token, tokens come back at <c>perSecond</c> up to <c>burst</c>, and a source without a token gets no
/// response. In the spirit of BIND's response rate limiting: a UDP source address can be forged, so without a limit
/// the responder answers whoever an attacker names, as often as the attacker asks.
/// </summary>
/// <remarks>
/// <para>Memory is bounded: at most <c>maxSources</c> buckets. A new source takes the place of the least recently
/// seen one, but only of a bucket that is full again: such a bucket says no more than having none, so dropping it
/// gives no source a single extra token. That is what keeps spraying forged sources from flushing a limited source
/// out of the table to give it a fresh burst. Buckets that are not full yet get a second chance (they move to the
/// front) and a few of them are looked at per new source, so the cost per query stays constant.</para>
/// <para>When every bucket looked at is still refilling, the table is full of sources sending right now, and the new
/// source is refused until one refills (within burst / perSecond seconds). Keeping it that way takes an attacker
/// maxSources × perSecond packets a second, sustained; answering untracked sources instead would let a table kept full
/// switch the limit off.</para>
/// <para>Source keys hash with <see cref="HashCode"/>, whose seed is random per process, so forged sources cannot be
/// chosen to collide in the table.</para>
/// </remarks>
internal sealed class DnsResponseRateLimiter
{
    /// <summary>Buckets looked at for one to replace when the table is full.</summary>
    private const int EvictionProbes = 8;

    private readonly double _perSecond;
    private readonly double _burst;
    private readonly int _maxSources;
    private readonly TimeProvider _time;
    private readonly Lock _lock = new();
    private readonly Dictionary<SourceKey, LinkedListNode<Bucket>> _buckets;

    /// <summary>Most recently seen first.</summary>
    private readonly LinkedList<Bucket> _recency = new();

    public DnsResponseRateLimiter(double perSecond, int burst, int maxSources, TimeProvider time)
    {
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(perSecond);
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(burst);
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(maxSources);
        _perSecond = perSecond;
        _burst = burst;
        _maxSources = maxSources;
        _time = time ?? throw new ArgumentNullException(nameof(time));
        _buckets = new Dictionary<SourceKey, LinkedListNode<Bucket>>(Math.Min(maxSources, 1024));
    }

    /// <summary>Sources with a bucket right now (at most maxSources).</summary>
    public int TrackedSources
    {
        get
        {
            lock (_lock)
            {
                return _buckets.Count;
            }
        }
    }

    /// <summary>Takes a token for one response to <paramref name="source"/>; false: send nothing.</summary>
    public bool TryTake(IPAddress source)
    {
        ArgumentNullException.ThrowIfNull(source);
        var key = SourceKey.Of(source);
        var now = _time.GetTimestamp();
        lock (_lock)
        {
            if (_buckets.TryGetValue(key, out var node))
            {
                var bucket = node.Value;
                bucket.Tokens = TokensAt(bucket, now);
                bucket.Since = now;
                if (node != _recency.First)
                {
                    _recency.Remove(node);
                    _recency.AddFirst(node);
                }
                if (bucket.Tokens < 1)
                {
                    return false;
                }
                bucket.Tokens -= 1;
                return true;
            }
            if (_buckets.Count >= _maxSources)
            {
                if (TakeFullBucket(now) is not { } reused)
                {
                    return false;
                }
                node = reused;
            }
            else
            {
                node = new LinkedListNode<Bucket>(new Bucket());
            }
            node.Value.Key = key;
            node.Value.Tokens = _burst - 1;
            node.Value.Since = now;
            _buckets.Add(key, node);
            _recency.AddFirst(node);
            return true;
        }
    }

    /// <summary>Unlinks and returns the least recently seen bucket that is full again, or null if none of a few is.</summary>
    private LinkedListNode<Bucket>? TakeFullBucket(long now)
    {
        for (var probe = 0; probe < EvictionProbes && _recency.Last is { } oldest; probe++)
        {
            _recency.RemoveLast();
            if (TokensAt(oldest.Value, now) >= _burst)
            {
                _buckets.Remove(oldest.Value.Key);
                return oldest;
            }
            _recency.AddFirst(oldest); // still refilling: keep it, look at the next one
        }
        return null;
    }

    private double TokensAt(Bucket bucket, long now) =>
        Math.Min(_burst, bucket.Tokens + (_time.GetElapsedTime(bucket.Since, now).TotalSeconds * _perSecond));

    private sealed class Bucket
    {
        public SourceKey Key;
        public double Tokens;

        /// <summary>TimeProvider timestamp at which <see cref="Tokens"/> was counted.</summary>
        public long Since;
    }

    /// <summary>An IPv4 address, or the /64 of an IPv6 one (an IPv4-mapped address counts as the IPv4 address).</summary>
    private readonly struct SourceKey : IEquatable<SourceKey>
    {
        private readonly ulong _bits;
        private readonly bool _isV6;

        private SourceKey(ulong bits, bool isV6)
        {
            _bits = bits;
            _isV6 = isV6;
        }

        public static SourceKey Of(IPAddress address)
        {
            if (address.IsIPv4MappedToIPv6)
            {
                address = address.MapToIPv4();
            }
            Span<byte> bytes = stackalloc byte[16];
            address.TryWriteBytes(bytes, out _);
            return address.AddressFamily == AddressFamily.InterNetwork
                ? new SourceKey(BinaryPrimitives.ReadUInt32BigEndian(bytes), false)
                : new SourceKey(BinaryPrimitives.ReadUInt64BigEndian(bytes), true);
        }

        public bool Equals(SourceKey other) => _bits == other._bits && _isV6 == other._isV6;

        public override bool Equals(object? obj) => obj is SourceKey other && Equals(other);

        public override int GetHashCode() => HashCode.Combine(_bits, _isV6);
    }
}
