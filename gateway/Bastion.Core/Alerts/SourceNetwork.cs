using System.Diagnostics.CodeAnalysis;
using System.Globalization;
using System.Net;
using System.Net.Sockets;

namespace Bastion.Core.Alerts;

/// <summary>Reads the client IP out of an audit source address and names the network it belongs to.</summary>
internal static class SourceNetwork
{
    /// <summary>
    /// The IP of "203.0.113.7:51514", "2001:db8::1:51514" (the gateway writes IPv6 without brackets, so the port
    /// is whatever follows the last colon), "[2001:db8::1]:51514" or a bare address.
    /// </summary>
    public static bool TryParseHost(string? sourceAddress, [NotNullWhen(true)] out IPAddress? address)
    {
        address = null;
        if (string.IsNullOrEmpty(sourceAddress))
        {
            return false;
        }
        var text = sourceAddress;
        if (text.StartsWith('['))
        {
            var close = text.IndexOf(']', StringComparison.Ordinal);
            return close > 1 && Normalize(text[1..close], out address);
        }
        var colon = text.LastIndexOf(':');
        if (colon > 0 && int.TryParse(text[(colon + 1)..], NumberStyles.None, CultureInfo.InvariantCulture, out _)
            && Normalize(text[..colon], out address))
        {
            return true;
        }
        return Normalize(text, out address);
    }

    /// <summary>"203.0.113.0/24" for 203.0.113.7 with prefix 24; "2001:db8:1:2::/64" for IPv6 with prefix 64.</summary>
    public static string Of(IPAddress address, int prefixV4, int prefixV6)
    {
        var prefix = address.AddressFamily == AddressFamily.InterNetwork ? prefixV4 : prefixV6;
        var bytes = address.GetAddressBytes();
        for (var i = 0; i < bytes.Length; i++)
        {
            var keep = Math.Clamp(prefix - (i * 8), 0, 8);
            bytes[i] &= (byte)(0xFF << (8 - keep));
        }
        return $"{new IPAddress(bytes)}/{prefix.ToString(CultureInfo.InvariantCulture)}";
    }

    private static bool Normalize(string text, [NotNullWhen(true)] out IPAddress? address)
    {
        if (!IPAddress.TryParse(text, out address))
        {
            return false;
        }
        if (address.IsIPv4MappedToIPv6)
        {
            address = address.MapToIPv4();
        }
        if (address.AddressFamily == AddressFamily.InterNetworkV6 && address.ScopeId != 0)
        {
            address = new IPAddress(address.GetAddressBytes()); // fe80::1%eth0 and fe80::1%eth1 are one network to us
        }
        return true;
    }
}
