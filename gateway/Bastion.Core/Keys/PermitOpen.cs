using System.Globalization;

namespace Bastion.Core.Keys;

/// <summary>
/// One <c>permitopen="host:port"</c>: a target the key may open. As in sshd the host is literal (no patterns, no
/// lookups) except "*" for any host, an IPv6 address goes in brackets, and the port is a number or "*" for any.
/// At a gateway the host may name the target as the user typed it (web-1.dev), by its inventory name (web-1) or by
/// its address; names compare without regard to case, as the inventory resolves them.
/// </summary>
public sealed record PermitOpen(string Host, int? Port)
{
    private const string Any = "*";

    /// <summary>Throws <see cref="FormatException"/> saying how to write the value.</summary>
    public static PermitOpen Parse(string value)
    {
        ArgumentNullException.ThrowIfNull(value);
        string host;
        string port;
        if (value.StartsWith('['))
        {
            var close = value.IndexOf("]:", StringComparison.Ordinal);
            if (close < 0)
            {
                throw Invalid(value);
            }
            host = value[1..close];
            port = value[(close + 2)..];
        }
        else
        {
            var colon = value.LastIndexOf(':');
            if (colon < 0 || value.IndexOf(':', StringComparison.Ordinal) != colon)
            {
                throw Invalid(value);
            }
            host = value[..colon];
            port = value[(colon + 1)..];
        }
        if (host.Length == 0 || host.Length > 255 || host.Any(c => char.IsWhiteSpace(c) || char.IsControl(c)))
        {
            throw Invalid(value);
        }
        if (port == Any)
        {
            return new PermitOpen(host, null);
        }
        return int.TryParse(port, NumberStyles.None, CultureInfo.InvariantCulture, out var number) && number is > 0 and <= 65535
            ? new PermitOpen(host, number)
            : throw Invalid(value);
    }

    /// <summary>True when one of the host names or one of the ports of the request is the one this entry allows.</summary>
    public bool Allows(IEnumerable<string> hosts, IEnumerable<int> ports) =>
        (Host == Any || hosts.Any(h => string.Equals(h, Host, StringComparison.OrdinalIgnoreCase)))
        && (Port is not { } allowed || ports.Contains(allowed));

    /// <summary>As written in the option.</summary>
    public override string ToString() =>
        $"{(Host.Contains(':', StringComparison.Ordinal) ? $"[{Host}]" : Host)}:{Port?.ToString(CultureInfo.InvariantCulture) ?? Any}";

    private static FormatException Invalid(string value) => new(
        $"permitopen=\"{value}\" is not HOST:PORT; write e.g. permitopen=\"web-1:22\", \"*:22\" for any host or \"web-1:*\" for any port ([ADDRESS]:PORT for IPv6)");
}
