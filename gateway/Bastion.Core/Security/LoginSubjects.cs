using System.Net;
using System.Net.Sockets;

namespace Bastion.Core.Security;

/// <summary>
/// The keys failures are counted under in the store: "user:NAME" and "address:IP" — IPv6 per /64, since one host
/// commonly holds a whole /64 and could otherwise start a fresh budget with every address of it (the connection-slot
/// limit counts the same way).
/// </summary>
public static class LoginSubjects
{
    /// <summary>User names compare case-insensitively and are capped, so junk names cannot make keys large.</summary>
    public static string? User(string? user)
    {
        if (string.IsNullOrEmpty(user))
        {
            return null;
        }
        var key = user.ToLowerInvariant();
        return "user:" + (key.Length <= 64 ? key : key[..64]);
    }

    public static string Address(IPAddress address) => "address:" + Network(address);

    /// <summary>
    /// What a budget covers, for messages: the IPv4 address itself (IPv4-mapped IPv6 counts as the IPv4 address, so a
    /// dual-stack socket cannot double the budget), or the IPv6 /64 ("2001:db8:1:2::/64").
    /// </summary>
    public static string Network(IPAddress address)
    {
        ArgumentNullException.ThrowIfNull(address);
        if (address.IsIPv4MappedToIPv6)
        {
            address = address.MapToIPv4();
        }
        if (address.AddressFamily != AddressFamily.InterNetworkV6)
        {
            return address.ToString();
        }
        var bytes = address.GetAddressBytes();
        Array.Clear(bytes, 8, 8);
        return new IPAddress(bytes) + "/64";
    }
}
