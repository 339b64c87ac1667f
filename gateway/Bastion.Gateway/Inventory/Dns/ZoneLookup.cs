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

    /// <summary>Several instances share the name (in all accounts, or in the one named): no address is right for SSH.</summary>
    Ambiguous,

    /// <summary>The name's instance is not running, so there is no address worth dialling.</summary>
    NotRunning,

    /// <summary>An account alias on its own (ALIAS.ZONE): a name with children but no records.</summary>
    AccountAlias,

    /// <summary>Nothing by that name.</summary>
    Unknown,

    /// <summary>
    /// The name is an instance the gateway will not dial now (its address is claimed twice, its account's list is too
    /// old, it is outside its account's ranges): no address is given, as SSH gives no connection.
    /// </summary>
    Refused,
}

/// <summary>The result of looking a zone name up: its kind, the instance for <see cref="ZoneNameKind.Instance"/>, and the refusal otherwise.</summary>
internal readonly record struct ZoneLookupResult(ZoneNameKind Kind, ResolvedTarget? Target = null, TargetResolution? Refusal = null);

/// <summary>
/// Maps NAME.ZONE onto the same resolution as SSH (<see cref="TargetLookup"/>): the relative name ("web-1",
/// "web-1.dev-a", "i-0abc", "ip-10-1-2-3") is resolved in the one order shared with the SSH resolver, so a name
/// means the same instance, or the same refusal, to both. Static targets are not published: an administrator's
/// static target may be a production host, and DNS answers whoever asks. Allocation-free on success apart from the
/// result: labels are joined into a stack buffer and resolved as a span.
/// </summary>
internal static class ZoneLookup
{
    // A DNS name is at most 253 characters written out, so its relative part always fits.
    private const int MaxNameChars = 256;

    public static ZoneLookupResult Find(InstanceIndex index, IReadOnlyList<ResolvedTarget> statics, DomainName name, int relativeLabelCount,
        TargetLookupOptions options, DateTimeOffset now)
    {
        if (relativeLabelCount == 0)
        {
            return new ZoneLookupResult(ZoneNameKind.Apex);
        }
        Span<char> buffer = stackalloc char[MaxNameChars];
        var whole = Join(name.Labels, relativeLabelCount, buffer);
        if (whole.IsEmpty)
        {
            return new ZoneLookupResult(ZoneNameKind.Unknown);
        }
        if (relativeLabelCount == 1 && index.IsAccountAlias(whole))
        {
            return new ZoneLookupResult(ZoneNameKind.AccountAlias);
        }
        var resolution = TargetLookup.Resolve(whole, statics, index, options, now);
        if (resolution.Target is { } target)
        {
            return target.Instance is null
                ? new ZoneLookupResult(ZoneNameKind.Unknown, Refusal: resolution)
                : new ZoneLookupResult(ZoneNameKind.Instance, target);
        }
        return resolution.Failure switch
        {
            TargetFailure.Ambiguous => new ZoneLookupResult(ZoneNameKind.Ambiguous, Refusal: resolution),
            TargetFailure.NotRunning => new ZoneLookupResult(ZoneNameKind.NotRunning, Refusal: resolution),
            TargetFailure.Unknown => new ZoneLookupResult(ZoneNameKind.Unknown, Refusal: resolution),
            _ => new ZoneLookupResult(ZoneNameKind.Refused, Refusal: resolution),
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
