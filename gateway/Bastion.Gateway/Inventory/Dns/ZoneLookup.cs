using ARSoft.Tools.Net;
using Bastion.Core.Inventory;

namespace Bastion.Gateway.Inventory.Dns;

/// <summary>What a name inside the zone stands for.</summary>
internal enum ZoneNameKind
{
    /// <summary>The zone itself.</summary>
    Apex,

    /// <summary>Exactly one running instance: answer with its addresses.</summary>
    Instance,

    /// <summary>Several running instances share the name (in all accounts, or in the one named): no address is right for SSH.</summary>
    Ambiguous,

    /// <summary>The name exists but none of its instances is running, so there is no address worth dialling.</summary>
    NotRunning,

    /// <summary>An account alias on its own (ALIAS.ZONE): a name with children but no records.</summary>
    AccountAlias,

    /// <summary>Nothing by that name.</summary>
    Unknown,
}

/// <summary>The result of looking a zone name up: its kind, the instance for <see cref="ZoneNameKind.Instance"/>, and how many instances matched.</summary>
internal readonly record struct ZoneLookupResult(ZoneNameKind Kind, ResolvedTarget? Target = null, int Matches = 0);

/// <summary>
/// Maps NAME.ZONE and NAME.ACCOUNT-ALIAS.ZONE onto the instance index, the way <see cref="InstanceResolver"/> reads
/// "name" and "name.ACCOUNT-ALIAS": the whole relative name is tried as a Name tag first (Name tags may contain dots),
/// then the last label as an account alias. Only running instances count, and only a single one is an answer.
/// Allocation-free apart from the result: labels are joined into a stack buffer and probed as a span.
/// </summary>
internal static class ZoneLookup
{
    // A DNS name is at most 253 characters written out, so its relative part always fits.
    private const int MaxNameChars = 256;

    public static ZoneLookupResult Find(InstanceIndex index, DomainName name, int relativeLabelCount)
    {
        if (relativeLabelCount == 0)
        {
            return new ZoneLookupResult(ZoneNameKind.Apex);
        }
        var labels = name.Labels;
        Span<char> buffer = stackalloc char[MaxNameChars];

        var whole = Join(labels, relativeLabelCount, buffer);
        var byWholeName = index.ByName(whole);
        if (byWholeName.Length > 0)
        {
            return Choose(byWholeName, accountAlias: default);
        }
        if (relativeLabelCount >= 2)
        {
            var alias = labels[relativeLabelCount - 1].AsSpan();
            if (index.IsAccountAlias(alias))
            {
                var result = Choose(index.ByName(Join(labels, relativeLabelCount - 1, buffer)), alias);
                if (result.Kind != ZoneNameKind.Unknown)
                {
                    return result;
                }
            }
        }
        else if (index.IsAccountAlias(labels[0]))
        {
            return new ZoneLookupResult(ZoneNameKind.AccountAlias);
        }
        return new ZoneLookupResult(ZoneNameKind.Unknown);
    }

    /// <summary>Picks the one running instance among <paramref name="candidates"/> (those in <paramref name="accountAlias"/> when given).</summary>
    private static ZoneLookupResult Choose(ReadOnlySpan<ResolvedTarget> candidates, ReadOnlySpan<char> accountAlias)
    {
        var matches = 0;
        var running = 0;
        ResolvedTarget? chosen = null;
        foreach (var candidate in candidates)
        {
            var instance = candidate.Instance!; // the index holds instances only
            if (!accountAlias.IsEmpty && !accountAlias.Equals(instance.AccountAlias, StringComparison.OrdinalIgnoreCase))
            {
                continue;
            }
            matches++;
            if (instance.IsRunning)
            {
                running++;
                chosen = candidate;
            }
        }
        return (matches, running) switch
        {
            (0, _) => new ZoneLookupResult(ZoneNameKind.Unknown),
            (_, 1) => new ZoneLookupResult(ZoneNameKind.Instance, chosen, matches),
            (_, 0) => new ZoneLookupResult(ZoneNameKind.NotRunning, Matches: matches),
            _ => new ZoneLookupResult(ZoneNameKind.Ambiguous, Matches: running),
        };
    }

    /// <summary>The first <paramref name="count"/> labels joined with dots into <paramref name="buffer"/>; empty when they do not fit.</summary>
    private static ReadOnlySpan<char> Join(string[] labels, int count, Span<char> buffer)
    {
        var length = 0;
        for (var i = 0; i < count; i++)
        {
            var label = labels[i];
            if (length + label.Length + 1 > buffer.Length)
            {
                return [];
            }
            if (i > 0)
            {
                buffer[length++] = '.';
            }
            label.CopyTo(buffer[length..]);
            length += label.Length;
        }
        return buffer[..length];
    }
}
