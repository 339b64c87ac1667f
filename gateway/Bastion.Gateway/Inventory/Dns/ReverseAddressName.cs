using System.Globalization;
using System.Net;
using ARSoft.Tools.Net;

namespace Bastion.Gateway.Inventory.Dns;

/// <summary>Reads IPv4 reverse names (d.c.b.a.in-addr.arpa) without allocating more than the answer.</summary>
internal static class ReverseAddressName
{
    /// <summary>Labels in d.c.b.a.in-addr.arpa.</summary>
    public const int AddressLabelCount = 6;

    /// <summary>True for in-addr.arpa and every name under it.</summary>
    public static bool IsInAddrArpa(DomainName name) => EndsWith(name, "in-addr", "arpa");

    /// <summary>True for names the responder must never claim as a forward zone: in-addr.arpa, ip6.arpa and below.</summary>
    public static bool IsReverseTreeName(DomainName name) => IsInAddrArpa(name) || EndsWith(name, "ip6", "arpa");

    /// <summary>The IPv4 address that <paramref name="name"/> (d.c.b.a.in-addr.arpa) stands for; false for anything else.</summary>
    public static bool TryParseAddress(DomainName name, out IPAddress? address)
    {
        address = null;
        if (name.LabelCount != AddressLabelCount || !IsInAddrArpa(name))
        {
            return false;
        }
        var labels = name.Labels;
        Span<byte> octets = stackalloc byte[4];
        for (var i = 0; i < 4; i++)
        {
            // NumberStyles.None: digits only, no sign or spaces; byte rejects anything above 255.
            if (labels[i].Length is 0 or > 3 || !byte.TryParse(labels[i], NumberStyles.None, CultureInfo.InvariantCulture, out var octet))
            {
                return false;
            }
            octets[3 - i] = octet;
        }
        address = new IPAddress(octets);
        return true;
    }

    private static bool EndsWith(DomainName name, string secondLevel, string topLevel)
    {
        var count = name.LabelCount;
        return count >= 2
            && string.Equals(name.Labels[count - 1], topLevel, StringComparison.OrdinalIgnoreCase)
            && string.Equals(name.Labels[count - 2], secondLevel, StringComparison.OrdinalIgnoreCase);
    }
}
