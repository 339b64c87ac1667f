using System.Net;
using System.Net.Sockets;

namespace Bastion.Core.Keys;

/// <summary>
/// The value of <c>from="…"</c>: comma-separated addresses, CIDR blocks and wildcard patterns (* and ?), each possibly
/// negated with "!". Matched as sshd's match_host_and_ip matches them when it does not look names up (UseDNS no, its
/// default): against the client's address only. A matching negated entry refuses outright; otherwise at least one
/// positive entry must match. Host names are refused when the option is parsed, since they could never match.
/// </summary>
public sealed class SourcePatterns
{
    private readonly IReadOnlyList<Entry> _entries;

    private SourcePatterns(string text, IReadOnlyList<Entry> entries)
    {
        Text = text;
        _entries = entries;
    }

    /// <summary>The option's value as written.</summary>
    public string Text { get; }

    /// <summary>Throws <see cref="FormatException"/> naming the entry that cannot be matched against an address.</summary>
    public static SourcePatterns Parse(string value)
    {
        ArgumentNullException.ThrowIfNull(value);
        var entries = new List<Entry>();
        foreach (var raw in value.Split(','))
        {
            var negated = raw.StartsWith('!');
            var pattern = negated ? raw[1..] : raw;
            if (pattern.Length == 0)
            {
                throw new FormatException($"from=\"{value}\" has an empty entry; separate addresses with single commas, e.g. from=\"10.0.0.0/8,192.168.1.7\"");
            }
            var network = Network.TryParse(pattern, value);
            if (network is null && !IsAddressPattern(pattern))
            {
                throw new FormatException(NotAnAddress(pattern, value));
            }
            entries.Add(new Entry(raw, negated, network, pattern.ToLowerInvariant()));
        }
        return new SourcePatterns(value, entries);
    }

    /// <summary>Null when <paramref name="client"/> may use the key; otherwise why not, naming the option.</summary>
    public string? Refusal(IPAddress client)
    {
        ArgumentNullException.ThrowIfNull(client);
        var address = (client.IsIPv4MappedToIPv6 ? client.MapToIPv4() : client).ToString().ToLowerInvariant();
        var allowed = false;
        foreach (var entry in _entries)
        {
            if (!entry.Matches(client, address))
            {
                continue;
            }
            if (entry.Negated)
            {
                return $"key option from=\"{Text}\" refuses {address} (entry {entry.Raw})";
            }
            allowed = true;
        }
        return allowed ? null : $"key option from=\"{Text}\" does not match {address}";
    }

    /// <summary>
    /// An entry the client's address text can match: address characters and wildcards only. Anything else is a host
    /// name, which the gateway does not look up: it could never match, so it is refused rather than silently ignored.
    /// </summary>
    private static bool IsAddressPattern(string pattern) =>
        pattern.All(c => char.IsAsciiHexDigit(c) || c is '.' or ':' or '*' or '?');

    private static string NotAnAddress(string pattern, string value) =>
        $"from=\"{value}\": \"{pattern}\" is not an address; the gateway matches the client's address only and does not look up host names " +
        "(like sshd with UseDNS no). Write an address, a CIDR block such as 10.0.0.0/8, or a pattern such as 10.1.*";

    private sealed record Entry(string Raw, bool Negated, Network? Network, string Pattern)
    {
        /// <summary>As sshd: a CIDR entry matches by prefix, any entry matches the address text as a wildcard pattern.</summary>
        public bool Matches(IPAddress client, string address) =>
            (Network is { } network && network.Contains(client)) || Wildcard.Matches(address, Pattern);
    }

    /// <summary>An address or CIDR block (a bare address is a /32 or /128).</summary>
    private sealed record Network(byte[] Prefix, int Length)
    {
        /// <summary>
        /// Null for an entry that is not an address (a wildcard pattern). Throws for one that looks like a CIDR block but
        /// is not a valid one: sshd refuses every login with such a key, so refusing it up front says why.
        /// </summary>
        public static Network? TryParse(string pattern, string value)
        {
            var slash = pattern.IndexOf('/', StringComparison.Ordinal);
            var addressText = slash < 0 ? pattern : pattern[..slash];
            if (!TryParseAddress(addressText, out var address))
            {
                return slash < 0 ? null : throw new FormatException(
                    $"from=\"{value}\": \"{pattern}\" is not a CIDR block; write it as ADDRESS/BITS, e.g. 10.0.0.0/8 or 2001:db8::/32");
            }
            var bytes = address.GetAddressBytes();
            var length = bytes.Length * 8;
            if (slash >= 0 && (!int.TryParse(pattern[(slash + 1)..], System.Globalization.NumberStyles.None, System.Globalization.CultureInfo.InvariantCulture, out length)
                               || length > bytes.Length * 8))
            {
                throw new FormatException($"from=\"{value}\": \"{pattern}\" has a prefix length outside 0..{bytes.Length * 8}");
            }
            if (!HostBitsClear(bytes, length))
            {
                throw new FormatException(
                    $"from=\"{value}\": \"{pattern}\" has bits set after the first {length}; write the network address, e.g. {Masked(bytes, length)}/{length}");
            }
            return new Network(bytes, length);
        }

        public bool Contains(IPAddress client)
        {
            var candidate = (client.IsIPv4MappedToIPv6 ? client.MapToIPv4() : client).GetAddressBytes();
            if (candidate.Length != Prefix.Length)
            {
                return false;
            }
            for (var bit = 0; bit < Length; bit++)
            {
                var mask = 0x80 >> (bit % 8);
                if ((candidate[bit / 8] & mask) != (Prefix[bit / 8] & mask))
                {
                    return false;
                }
            }
            return true;
        }

        /// <summary>Dotted quads only for IPv4: IPAddress.TryParse also takes "10" or "10.1", which sshd would not.</summary>
        private static bool TryParseAddress(string text, out IPAddress address)
        {
            address = IPAddress.None;
            if (text.Contains(':', StringComparison.Ordinal))
            {
                return IPAddress.TryParse(text, out address!) && address.AddressFamily == AddressFamily.InterNetworkV6 && address.ScopeId == 0;
            }
            var parts = text.Split('.');
            return parts.Length == 4 && parts.All(p => p.Length is > 0 and <= 3 && p.All(char.IsAsciiDigit))
                && IPAddress.TryParse(text, out address!);
        }

        private static bool HostBitsClear(byte[] bytes, int length)
        {
            for (var bit = length; bit < bytes.Length * 8; bit++)
            {
                if ((bytes[bit / 8] & (0x80 >> (bit % 8))) != 0)
                {
                    return false;
                }
            }
            return true;
        }

        private static IPAddress Masked(byte[] bytes, int length)
        {
            var masked = (byte[])bytes.Clone();
            for (var bit = length; bit < masked.Length * 8; bit++)
            {
                masked[bit / 8] &= (byte)~(0x80 >> (bit % 8));
            }
            return new IPAddress(masked);
        }
    }
}
