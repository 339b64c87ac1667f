using System.Globalization;
using System.Net;
using System.Net.Sockets;

namespace Bastion.Ssh;

/// <summary>
/// Connections that have not authenticated yet, counted in total (OpenSSH MaxStartups) and per source (its
/// PerSourceMaxStartups), the second enforced only on a source penalised for failed logins (<see cref="SourcePenalties"/>):
/// one address holding every slot for the login grace time would lock every other user out, but an office behind one
/// NAT address that is merely logging in must not be. IPv6 sources count per /64, since one host commonly has a whole
/// /64 to pick addresses from.
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

    /// <summary>
    /// A slot for a connection from <paramref name="remote"/>, or null with why not: <paramref name="refusal"/> for the
    /// log, <paramref name="toClient"/> the one line the client is shown (what happened and when to try again).
    /// </summary>
    public Lease? TryTake(EndPoint? remote, SshServerOptions options, SourcePenalties penalties, out string refusal, out string toClient)
    {
        var source = remote is IPEndPoint ip ? SourceKey(ip.Address) : null;
        var penalised = TimeSpan.Zero;
        lock (_gate)
        {
            if (_total >= options.MaxUnauthenticatedConnections)
            {
                refusal = $"{options.MaxUnauthenticatedConnections} unauthenticated connections already open";
                toClient = $"this gateway has {options.MaxUnauthenticatedConnections} logins in progress, its limit; try again in a few seconds";
                return null;
            }
            var fromSource = source is null ? 0 : _perSource.GetValueOrDefault(source);
            // The penalty table is asked only for a source already at the cap, not on every accept. (It has its own
            // lock and never takes this one.)
            if (source is not null && options.MaxUnauthenticatedPerSource > 0 && fromSource >= options.MaxUnauthenticatedPerSource
                && (options.SourcePenaltyFailures == 0 || penalties.IsPenalised(source, options, out penalised)))
            {
                var why = options.SourcePenaltyFailures == 0
                    ? ""
                    : $"{options.SourcePenaltyFailures} failed logins from {Describe(source)} in the last {Minutes(options.SourcePenaltyWindow)}, so ";
                refusal = $"{fromSource} unauthenticated connections from {Describe(source)} already open (per-source limit" +
                    (options.SourcePenaltyFailures == 0 ? ")" : $", penalised for failed logins for {Seconds(penalised)} more)");
                toClient = $"{why}{options.MaxUnauthenticatedPerSource} logins at a time are allowed from there and {fromSource} are in progress; " +
                    (options.SourcePenaltyFailures == 0 ? "try again when one of them has finished" : $"try again when one has finished, or in {Seconds(penalised)} without a limit");
                return null;
            }
            _total++;
            if (source is not null)
            {
                _perSource[source] = fromSource + 1;
            }
        }
        refusal = "";
        toClient = "";
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

    private static string Minutes(TimeSpan window) => window.TotalMinutes >= 1
        ? string.Create(CultureInfo.InvariantCulture, $"{window.TotalMinutes:0.#} min")
        : string.Create(CultureInfo.InvariantCulture, $"{window.TotalSeconds:0} s");

    private static string Seconds(TimeSpan remaining) => string.Create(CultureInfo.InvariantCulture, $"{Math.Ceiling(remaining.TotalSeconds):0} s");

    internal static string Describe(IPAddress source) =>
        source.AddressFamily == AddressFamily.InterNetworkV6 ? $"{source}/64" : source.ToString();
}
