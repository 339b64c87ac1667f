using System.Net;
using System.Net.Sockets;

namespace Bastion.Ssh;

/// <summary>
/// Connections that have not authenticated yet, counted in total (OpenSSH MaxStartups) and per source (its
/// PerSourceMaxStartups): without the second, one address holding every slot for the login grace time locks every
/// other user out. IPv6 sources count per /64, since one host commonly has a whole /64 to pick addresses from.
/// </summary>
internal sealed class UnauthenticatedSlots
{
    private readonly Lock _gate = new();
    private readonly Dictionary<IPAddress, int> _perSource = new();
    private int _total;

    /// <summary>A taken slot; <see cref="Release"/> (at login or at the end of the connection) is idempotent.</summary>
    public sealed class Lease
    {
        private readonly UnauthenticatedSlots _owner;
        private readonly IPAddress? _source;
        private int _released;

        internal Lease(UnauthenticatedSlots owner, IPAddress? source)
        {
            _owner = owner;
            _source = source;
        }

        public void Release()
        {
            if (Interlocked.Exchange(ref _released, 1) == 0)
            {
                _owner.Return(_source);
            }
        }
    }

    public int Total
    {
        get
        {
            lock (_gate)
            {
                return _total;
            }
        }
    }

    /// <summary>A slot for a connection from <paramref name="remote"/>, or null with why not.</summary>
    public Lease? TryTake(EndPoint? remote, SshServerOptions options, out string refusal)
    {
        var source = remote is IPEndPoint ip ? SourceKey(ip.Address) : null;
        lock (_gate)
        {
            if (_total >= options.MaxUnauthenticatedConnections)
            {
                refusal = $"{options.MaxUnauthenticatedConnections} unauthenticated connections already open";
                return null;
            }
            var fromSource = source is null ? 0 : _perSource.GetValueOrDefault(source);
            if (source is not null && options.MaxUnauthenticatedPerSource > 0 && fromSource >= options.MaxUnauthenticatedPerSource)
            {
                refusal = $"{fromSource} unauthenticated connections from {Describe(source)} already open (per-source limit)";
                return null;
            }
            _total++;
            if (source is not null)
            {
                _perSource[source] = fromSource + 1;
            }
        }
        refusal = "";
        return new Lease(this, source);
    }

    private void Return(IPAddress? source)
    {
        lock (_gate)
        {
            _total--;
            if (source is not null && _perSource.TryGetValue(source, out var count))
            {
                if (count <= 1)
                {
                    _perSource.Remove(source);
                }
                else
                {
                    _perSource[source] = count - 1;
                }
            }
        }
    }

    /// <summary>IPv4 (also IPv4-mapped IPv6) per address; IPv6 per /64.</summary>
    internal static IPAddress SourceKey(IPAddress address)
    {
        if (address.IsIPv4MappedToIPv6)
        {
            return address.MapToIPv4();
        }
        if (address.AddressFamily != AddressFamily.InterNetworkV6)
        {
            return address;
        }
        var bytes = address.GetAddressBytes();
        Array.Clear(bytes, 8, 8);
        return new IPAddress(bytes);
    }

    private static string Describe(IPAddress source) =>
        source.AddressFamily == AddressFamily.InterNetworkV6 ? $"{source}/64" : source.ToString();
}
