using System.Net;
using Bastion.Hosting.Inventory.Ec2;

namespace Bastion.Hosting.Inventory;

/// <summary>Address ranges as configured: parsing, and the overlaps that make an address's owner unclear.</summary>
public static class AccountRanges
{
    /// <summary>The ranges of <paramref name="texts"/> that parse; validation reports the others.</summary>
    public static IReadOnlyList<IPNetwork> Parse(IEnumerable<string?> texts) =>
        texts.Select(t => TryParse(t, out var network) ? network : (IPNetwork?)null).OfType<IPNetwork>().ToList();

    /// <summary>
    /// "10.20.0.0/16" parses; "10.20.1.1/16" does not: host bits set are more likely a typo for another range than a
    /// wish for the masked one, and a range that decides what the gateway dials must mean what it says.
    /// </summary>
    public static bool TryParse(string? text, out IPNetwork network)
    {
        network = default;
        var slash = text?.IndexOf('/') ?? -1;
        return slash > 0 && IPNetwork.TryParse(text, out network)
            && IPAddress.TryParse(text.AsSpan(0, slash), out var written) && written.Equals(network.BaseAddress);
    }

    public static bool Overlap(IPNetwork a, IPNetwork b) =>
        a.BaseAddress.AddressFamily == b.BaseAddress.AddressFamily && (a.Contains(b.BaseAddress) || b.Contains(a.BaseAddress));

    /// <summary>One sentence per pair of accounts whose ranges overlap: an address in both would have two owners.</summary>
    public static IEnumerable<string> Overlaps(IReadOnlyList<Ec2AccountOptions> accounts)
    {
        for (var i = 0; i < accounts.Count; i++)
        {
            foreach (var a in Parse(accounts[i].Cidrs))
            {
                for (var j = i + 1; j < accounts.Count; j++)
                {
                    foreach (var b in Parse(accounts[j].Cidrs).Where(b => Overlap(a, b)))
                    {
                        yield return $"{Ec2InventoryOptions.Section}:Accounts: the ranges of {accounts[i].Alias} ({a}) and {accounts[j].Alias} ({b}) overlap; " +
                            "an address in both would have two owners. Give each account only its own peered VPCs' ranges";
                    }
                }
            }
        }
    }

    /// <summary>One sentence per account range that overlaps a protected range.</summary>
    public static IEnumerable<string> ProtectedOverlaps(IReadOnlyList<Ec2AccountOptions> accounts, IReadOnlyList<ProtectedRange> protectedRanges)
    {
        foreach (var account in accounts)
        {
            foreach (var range in Parse(account.Cidrs))
            {
                foreach (var shielded in protectedRanges.Where(p => Overlap(range, p.Network)))
                {
                    yield return $"{Ec2InventoryOptions.Section}:Accounts: the range {range} of {account.Alias} overlaps the protected range {shielded.Network} ({shielded.Why}); " +
                        "remove it from the account's Cidrs (a protected address is never dialled for an instance)";
                }
            }
        }
    }
}

/// <summary>A range never dialled for a cloud instance, and where it comes from ("this host's address", "Bastion:Inventory:ProtectedCidrs").</summary>
public sealed record ProtectedRange(IPNetwork Network, string Why);
