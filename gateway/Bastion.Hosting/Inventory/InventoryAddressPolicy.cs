using System.Net.NetworkInformation;
using System.Net.Sockets;
using System.Net;
using System.Runtime.CompilerServices;
using Bastion.Core.Inventory;
using Bastion.Hosting.Configuration;

namespace Bastion.Hosting.Inventory;

/// <summary>
/// Decides which instance addresses the gateway may dial: only inside the ranges registered for the instance's own
/// account, and never inside a protected range (this host, link-local with the metadata service, what the operator
/// adds, such as the production VPC). Developers pick their instances' addresses, so an address is evidence of
/// nothing until it passes here.
/// </summary>
public sealed class InventoryAddressPolicy
{
    private readonly IReadOnlyDictionary<string, IReadOnlyList<IPNetwork>> _accountRanges;

    private readonly IReadOnlyDictionary<string, Ipv4Range[]> _accountIpv4;
    private readonly Ipv4Range[] _protectedIpv4;

    public InventoryAddressPolicy(IReadOnlyList<ProtectedRange> protectedRanges, IReadOnlyDictionary<string, IReadOnlyList<IPNetwork>> accountRanges)
    {
        Protected = protectedRanges;
        _accountRanges = accountRanges;
        _accountIpv4 = accountRanges.ToDictionary(a => a.Key, a => Ipv4Range.Of(a.Value), StringComparer.Ordinal);
        _protectedIpv4 = Ipv4Range.Of(protectedRanges.Select(p => p.Network));
    }

    /// <summary>No accounts, nothing protected: every instance is refused for want of ranges.</summary>
    public static InventoryAddressPolicy None { get; } = new([], new Dictionary<string, IReadOnlyList<IPNetwork>>());

    public IReadOnlyList<ProtectedRange> Protected { get; }

    /// <summary>The policy the settings describe, with this host's addresses as they are now.</summary>
    public static InventoryAddressPolicy From(InventoryOptions options) => new(
        ProtectedRanges(options),
        options.Ec2.Accounts.Where(a => a.Id.Length > 0).GroupBy(a => a.Id)
            .ToDictionary(g => g.Key, g => AccountRanges.Parse(g.First().Cidrs)));

    /// <summary>Built-in protected ranges, this host's own addresses and the configured ones.</summary>
    public static IReadOnlyList<ProtectedRange> ProtectedRanges(InventoryOptions options)
    {
        var ranges = new List<ProtectedRange>
        {
            new(IPNetwork.Parse("0.0.0.0/8"), "\"this network\": 0.0.0.0 reaches this host"),
            new(IPNetwork.Parse("169.254.0.0/16"), "link-local, with the instance metadata service"),
            new(IPNetwork.Parse("fe80::/10"), "IPv6 link-local"),
        };
        if (!options.AllowLoopbackTargets)
        {
            ranges.Add(new(IPNetwork.Parse("127.0.0.0/8"), "loopback: this host"));
            ranges.Add(new(IPNetwork.Parse("::1/128"), "loopback: this host"));
        }
        foreach (var address in HostAddresses())
        {
            ranges.Add(new(new IPNetwork(address, address.AddressFamily == AddressFamily.InterNetwork ? 32 : 128), "an address of this host"));
        }
        ranges.AddRange(AccountRanges.Parse(options.ProtectedCidrs).Select(n => new ProtectedRange(n, "Bastion:Inventory:ProtectedCidrs")));
        return ranges;
    }

    /// <summary>Null when <paramref name="address"/> of an instance in <paramref name="accountId"/> may be dialled; otherwise why not.</summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    public string? WhyNotDialled(string accountId, string accountAlias, string address)
    {
        // The common case, a canonical IPv4 address inside one of its account's IPv4 ranges and no protected one, is
        // decided on numbers; anything else (IPv6, a refusal that needs its sentence) takes the general way below.
        if (Ipv4Text.TryParseCanonical(address, out var v4) && _accountIpv4.TryGetValue(accountId, out var own)
            && Ipv4Range.AnyContains(own, v4) && !Ipv4Range.AnyContains(_protectedIpv4, v4))
        {
            return null;
        }
        return IPAddress.TryParse(address, out var parsed)
            ? WhyNotDialled(accountId, accountAlias, parsed)
            : $"its primary private address \"{address}\" is not an IP address";
    }

    /// <summary>As <see cref="WhyNotDialled(string, string, string)"/>, for an address already parsed.</summary>
    public string? WhyNotDialled(string accountId, string accountAlias, IPAddress parsed)
    {
        if (parsed.IsIPv4MappedToIPv6)
        {
            parsed = parsed.MapToIPv4();
        }
        if (!_accountRanges.TryGetValue(accountId, out var ranges) || ranges.Count == 0)
        {
            return $"account {accountAlias} has no address ranges configured (Bastion:Inventory:Ec2:Accounts:N:Cidrs)";
        }
        // Loops rather than LINQ: every instance of every account passes here at each refresh.
        var inRange = false;
        for (var i = 0; i < ranges.Count && !inRange; i++)
        {
            inRange = ranges[i].Contains(parsed);
        }
        if (!inRange)
        {
            return $"its primary private address {parsed} is outside the ranges registered for {accountAlias} ({string.Join(", ", ranges)})";
        }
        for (var i = 0; i < Protected.Count; i++)
        {
            if (Protected[i].Network.Contains(parsed))
            {
                return $"its primary private address {parsed} is in the protected range {Protected[i].Network} ({Protected[i].Why})";
            }
        }
        return null;
    }

    private static IEnumerable<IPAddress> HostAddresses()
    {
        NetworkInterface[] interfaces;
        try
        {
            interfaces = NetworkInterface.GetAllNetworkInterfaces();
        }
        catch (NetworkInformationException)
        {
            return [];
        }
        return interfaces.SelectMany(i => i.GetIPProperties().UnicastAddresses).Select(u => u.Address)
            .Select(a => a.IsIPv6LinkLocal ? new IPAddress(a.GetAddressBytes()) : a) // scope ids do not matter for a /128
            .Distinct();
    }

    /// <summary>An IPv4 range as two numbers, so that containment is a mask and a compare.</summary>
    private readonly record struct Ipv4Range(uint Network, uint Mask)
    {
        public static Ipv4Range[] Of(IEnumerable<IPNetwork> networks) => networks
            .Where(n => n.BaseAddress.AddressFamily == AddressFamily.InterNetwork)
            .Select(n =>
            {
                var bytes = n.BaseAddress.GetAddressBytes();
                var mask = n.PrefixLength == 0 ? 0u : uint.MaxValue << (32 - n.PrefixLength);
                return new Ipv4Range(((uint)bytes[0] << 24 | (uint)bytes[1] << 16 | (uint)bytes[2] << 8 | bytes[3]) & mask, mask);
            })
            .ToArray();

        public static bool AnyContains(Ipv4Range[] ranges, uint address)
        {
            foreach (var range in ranges)
            {
                if ((address & range.Mask) == range.Network)
                {
                    return true;
                }
            }
            return false;
        }
    }
}
