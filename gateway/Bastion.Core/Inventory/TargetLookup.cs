using System.Globalization;
using System.Net;

namespace Bastion.Core.Inventory;

/// <summary>Settings of <see cref="TargetLookup"/>.</summary>
public sealed record TargetLookupOptions
{
    /// <summary>Whether a user may ask for a target by address; the address must still have exactly one owner.</summary>
    public bool AllowAddresses { get; init; } = true;

    /// <summary>Instances of an account whose list is older than this are not resolved; null: no limit.</summary>
    public TimeSpan? MaxStale { get; init; }
}

/// <summary>
/// The one order in which a name becomes a target, for SSH and for DNS alike, so no spelling means one thing to one
/// of them and another to the other: static target → instance id → NAME.ALIAS → private DNS name → address → Name
/// tag. The earlier kinds are those a developer cannot choose for another account's instance; the Name tag, which
/// any developer sets freely, comes last, and tags that spell an earlier kind never enter the index
/// (<see cref="NameTagRules"/>).
/// <para>
/// Whatever the spelling, the chosen target is then checked the same way: its address has exactly one owner (an
/// address two instances, or an instance and a static target, claim is dialled for nobody), its account's list is
/// fresh enough, and the instance runs.
/// </para>
/// </summary>
public static class TargetLookup
{
    /// <summary>
    /// Resolves <paramref name="name"/> (already without the domain suffix or DNS zone) against the static targets and
    /// the instance index. Never throws for a name it cannot resolve: the result says why, and
    /// <see cref="TargetResolution.Failure"/> says what kind of refusal it is.
    /// </summary>
    public static TargetResolution Resolve(ReadOnlySpan<char> name, IReadOnlyList<ResolvedTarget> staticTargets, InstanceIndex index,
        TargetLookupOptions options, DateTimeOffset now)
    {
        // An array inside: its length and items are read directly, where an interface call each cost a lookup a fifth.
        var statics = staticTargets as ResolvedTarget[] ?? [.. staticTargets];
        if (name.IsEmpty)
        {
            return TargetResolution.Refused(TargetFailure.Unknown, "no target given; connect to a target name, e.g. ssh -J bastion web-1");
        }
        for (var i = 0; i < statics.Length; i++)
        {
            if (name.Equals(statics[i].Name, StringComparison.OrdinalIgnoreCase))
            {
                return Checked(statics[i], statics, index, options, now);
            }
        }
        // The kinds below cannot be confused by their spelling (ids start with "i-", private DNS names with "ip-" or
        // "i-", addresses are dotted quads or hold a colon, Name tags may look like none of these and aliases start
        // with a letter), so each table is probed only for names of its shape: the order holds and misses stay cheap.
        // An address can be nothing else, so it is settled at once.
        if (LooksLikeAddress(name))
        {
            if (statics.Length == 0 && options.AllowAddresses && index.ByAddressText(name) is { } sole)
            {
                return Checked(sole, statics, index, options, now); // the common case: one owner, a target
            }
            if (IPAddress.TryParse(name, out var address))
            {
                return ByAddress(address, statics, index, options, now);
            }
        }
        else if (statics.Length > 0 && ByHostName(name, statics) is { } byHost)
        {
            return byHost.Failure == TargetFailure.None ? Checked(byHost.Target!, statics, index, options, now) : byHost;
        }
        var maybeIdOrDns = name.Length > 2 && (name[0] | 0x20) == 'i';
        if (maybeIdOrDns && name[1] == '-' && index.ByInstanceId(name) is { } byId)
        {
            return Checked(byId, statics, index, options, now);
        }
        var dot = name.LastIndexOf('.');
        if (dot > 0 && dot < name.Length - 1 && char.IsAsciiLetter(name[dot + 1]) && index.IsAccountAlias(name[(dot + 1)..]))
        {
            var inAccount = index.ByQualifiedName(name);
            if (inAccount.Length == 1)
            {
                return Checked(inAccount[0], statics, index, options, now);
            }
            if (inAccount.Length > 1)
            {
                return Ambiguous(name, inAccount);
            }
        }
        if (maybeIdOrDns && index.ByPrivateDnsName(name) is { } byDns)
        {
            return Checked(byDns, statics, index, options, now);
        }
        var byName = index.ByName(name);
        if (byName.Length == 1)
        {
            return Checked(byName[0], statics, index, options, now);
        }
        if (byName.Length > 1)
        {
            return Ambiguous(name, byName);
        }
        if (index.RefusedInstance(name) is { } refused)
        {
            return TargetResolution.Refused(TargetFailure.Rejected, $"{Describe(refused.Instance)} is not a target: {refused.Reason}");
        }
        return TargetResolution.Refused(TargetFailure.Unknown, $"no target named \"{name}\"");
    }

    /// <summary>
    /// Dotted or colon forms only: IPAddress.TryParse also reads "10" as 0.0.0.10, which is far more likely a name.
    /// </summary>
    public static bool LooksLikeAddress(ReadOnlySpan<char> text) =>
        text.Contains(':') || (text.Length > 0 && char.IsAsciiDigit(text[0]) && text.Count('.') == 3);

    private static TargetResolution ByAddress(IPAddress address, ResolvedTarget[] statics, InstanceIndex index, TargetLookupOptions options, DateTimeOffset now)
    {
        var canonical = InstanceIndex.Canonical(address);
        if (!options.AllowAddresses)
        {
            return TargetResolution.Refused(TargetFailure.AddressNotAllowed,
                $"connect by target name, not by address ({canonical}); run \"ssh <bastion>\" to list names");
        }
        var staticOwners = statics.Where(s => SameAddress(s.Host, address)).ToList();
        var instanceOwners = index.ClaimantsOf(canonical);
        if (staticOwners.Count + instanceOwners.Count == 0)
        {
            return TargetResolution.Refused(TargetFailure.Unknown, $"{canonical} is not the address of any known target or instance; connect by name");
        }
        if (instanceOwners.Count == 0 && staticOwners.Count > 1)
        {
            return TargetResolution.Refused(TargetFailure.Ambiguous,
                $"host \"{canonical}\" belongs to several targets ({string.Join(", ", staticOwners.Select(t => t.Name))}); connect by target name instead");
        }
        var owner = staticOwners.Count > 0 ? staticOwners[0] : instanceOwners[0];
        if (staticOwners.Count == 0 && instanceOwners.Count == 1 && !index.IsTarget(owner))
        {
            var why = index.Rejected.FirstOrDefault(r => ReferenceEquals(r.Instance, owner))?.Reason ?? "it is not a target";
            return TargetResolution.Refused(TargetFailure.Rejected,
                $"{canonical} belongs to {Describe(owner)}, which the gateway does not connect to: {why}");
        }
        return Checked(owner, statics, index, options, now);
    }

    /// <summary>A static target whose host is the host name typed ("build.example.internal"); null when none is.</summary>
    private static TargetResolution? ByHostName(ReadOnlySpan<char> name, ResolvedTarget[] statics)
    {
        List<ResolvedTarget>? found = null;
        for (var i = 0; i < statics.Length; i++)
        {
            if (name.Equals(statics[i].Host, StringComparison.OrdinalIgnoreCase))
            {
                (found ??= []).Add(statics[i]);
            }
        }
        return found switch
        {
            null => null,
            [var one] => TargetResolution.Found(one),
            _ => TargetResolution.Refused(TargetFailure.Ambiguous,
                $"host \"{name}\" belongs to several targets ({string.Join(", ", found.Select(t => t.Name))}); connect by target name instead"),
        };
    }

    /// <summary>The checks every resolved target passes, whichever spelling found it.</summary>
    private static TargetResolution Checked(ResolvedTarget target, ResolvedTarget[] statics, InstanceIndex index, TargetLookupOptions options, DateTimeOffset now)
    {
        if (Conflict(target, statics, index) is { } conflict)
        {
            return conflict;
        }
        if (target.Instance is not { } instance)
        {
            return TargetResolution.Found(target);
        }
        // The account's time rather than the instance's copy of it (which sits apart from the rest of each instance).
        if (options.MaxStale is { } maxStale
            && ((index.Account(instance.AccountAlias)?.LastSuccess ?? instance.DataAsOf) is not { } asOf || now - asOf > maxStale))
        {
            return Stale(target, index, maxStale, now);
        }
        if (!instance.IsRunning)
        {
            return TargetResolution.Refused(TargetFailure.NotRunning,
                $"{target.Name} ({instance.InstanceId} in {instance.AccountAlias}, {instance.Region}) is {instance.State}; start it in the EC2 console or with: aws ec2 start-instances --instance-ids {instance.InstanceId}");
        }
        return TargetResolution.Found(target);
    }

    /// <summary>A refusal when anyone besides <paramref name="target"/> claims the address it would be dialled at.</summary>
    private static TargetResolution? Conflict(ResolvedTarget target, ResolvedTarget[] statics, InstanceIndex index)
    {
        if (target.Instance is not null && statics.Length == 0 && !index.IsConflicted(target))
        {
            return null; // the common case: no static target to compare with, and the index knows its own conflicts
        }
        if (!LooksLikeAddress(target.Host) || !IPAddress.TryParse(target.Host, out var address))
        {
            return null; // a static target named by host name: the inventory holds no claims on names
        }
        var canonical = InstanceIndex.Canonical(address);
        var instanceClaims = index.ClaimantsOf(canonical);
        if (target.Instance is null ? instanceClaims.Count == 0 : instanceClaims.Count <= 1 && !statics.Any(s => SameAddress(s.Host, address)))
        {
            return null;
        }
        var claimants = statics.Where(s => SameAddress(s.Host, address)).Concat(instanceClaims).Select(Describe).Distinct().ToList();
        return TargetResolution.Refused(TargetFailure.AddressConflict,
            $"{target.Name} cannot be reached: its address {canonical} is claimed by {string.Join(" and ", claimants)}, so the gateway connects to it for nobody " +
            $"until only one claims it (operators: bastion inventory resolve {canonical})");
    }

    private static TargetResolution Stale(ResolvedTarget target, InstanceIndex index, TimeSpan maxStale, DateTimeOffset now)
    {
        var instance = target.Instance!;
        var account = index.Account(instance.AccountAlias);
        var age = (account?.LastSuccess ?? instance.DataAsOf) is { } asOf
            ? $"was last read {(long)(now - asOf).TotalSeconds} s ago ({asOf.ToString("u", CultureInfo.InvariantCulture)})"
            : "has never been read";
        var failing = account?.LastError is { } error ? $"; its refresh fails: {error}" : "";
        return TargetResolution.Refused(TargetFailure.Stale,
            $"{target.Name} is in account {instance.AccountAlias}, whose instance list {age}{failing}. Names in it are not resolved while the list is older than " +
            $"{(long)maxStale.TotalSeconds} s, since an address may have changed owner; operators: bastion inventory status");
    }

    private static TargetResolution Ambiguous(ReadOnlySpan<char> name, ReadOnlySpan<ResolvedTarget> candidates)
    {
        var listed = new List<string>(candidates.Length);
        foreach (var candidate in candidates)
        {
            var instance = candidate.Instance!;
            var state = instance.IsRunning ? "" : $", {instance.State}";
            listed.Add($"{candidate.Name}.{instance.AccountAlias} ({instance.InstanceId}, {candidate.Host}{state})");
        }
        listed.Sort(StringComparer.OrdinalIgnoreCase);
        return TargetResolution.Refused(TargetFailure.Ambiguous,
            $"{name} matches {candidates.Length} instances: {string.Join(", ", listed)}; add the account alias, e.g. {listed[0].Split(' ')[0]}");
    }

    /// <summary>"web-1 (i-0abc in dev-a)" for an instance, "static target db-1" otherwise.</summary>
    public static string Describe(ResolvedTarget target) => target.Instance is { } instance
        ? $"{target.Name} ({instance.InstanceId} in {instance.AccountAlias})"
        : $"static target {target.Name}";

    private static bool SameAddress(string host, IPAddress address) =>
        LooksLikeAddress(host) && IPAddress.TryParse(host, out var parsed)
        && (parsed.IsIPv4MappedToIPv6 ? parsed.MapToIPv4() : parsed).Equals(address.IsIPv4MappedToIPv6 ? address.MapToIPv4() : address);
}
