namespace Bastion.Core.Inventory;

/// <summary>Resolution rules for what users type after <c>ssh</c>; the index comes from the current inventory snapshot.</summary>
public sealed record InstanceResolverOptions
{
    /// <summary>Domain suffixes users may append ("dev" lets web-1.dev mean web-1).</summary>
    public IReadOnlyList<string> DomainSuffixes { get; init; } = [];

    /// <summary>Whether an address may be used directly; it must still have exactly one owner.</summary>
    public bool AllowAddresses { get; init; } = true;

    /// <summary>Instances of an account whose list is older than this are not resolved; null: no limit.</summary>
    public TimeSpan? MaxStale { get; init; }

    public int MaxSuggestionDistance { get; init; } = 2;

    public int MaxSuggestions { get; init; } = 5;
}

/// <summary>
/// Turns what a user typed into exactly one target, or a sentence that says why not: the configured domain suffix is
/// taken off, then <see cref="TargetLookup"/> applies the one resolution order shared with the DNS responder; an
/// unknown name gets "did you mean" suggestions.
/// </summary>
public sealed class InstanceResolver
{
    private readonly Func<InstanceIndex> _index;
    private readonly InstanceResolverOptions _options;
    private readonly TargetLookupOptions _lookup;
    private readonly TimeProvider _time;
    private readonly TargetLookupOptions _lookupWithoutStaleness;
    private readonly string[] _suffixes;
    private FreshUntil? _fresh;

    /// <summary>Every account of <see cref="Index"/> is fresh until <see cref="Tick"/> (Environment.TickCount64).</summary>
    private sealed record FreshUntil(InstanceIndex Index, long Tick);

    public InstanceResolver(Func<InstanceIndex> index, InstanceResolverOptions? options = null, TimeProvider? time = null)
    {
        _index = index;
        _options = options ?? new InstanceResolverOptions();
        _lookup = new TargetLookupOptions { AllowAddresses = _options.AllowAddresses, MaxStale = _options.MaxStale };
        _time = time ?? TimeProvider.System;
        _lookupWithoutStaleness = _lookup with { MaxStale = null };
        _suffixes = [.. _options.DomainSuffixes];
    }

    /// <summary>Resolves against cloud instances only.</summary>
    public TargetResolution Resolve(string requestedHost) => Resolve(requestedHost, []);

    /// <summary>Resolves against <paramref name="staticTargets"/> (the static inventory, which wins over instances) and the instances.</summary>
    public TargetResolution Resolve(string requestedHost, IReadOnlyList<ResolvedTarget> staticTargets)
    {
        var statics = staticTargets as ResolvedTarget[] ?? [.. staticTargets];
        var index = _index();
        var requested = requestedHost.AsSpan().Trim().TrimEnd('.');
        // While every account is known to be fresh (the usual case) lookups skip the staleness check; reading the
        // clock and comparing each instance's account on every lookup made them a quarter slower (bench/inventory.sh).
        var lookup = _lookup.MaxStale is null || AllFresh(index) ? _lookupWithoutStaleness : _lookup;
        var now = lookup.MaxStale is null ? default : _time.GetUtcNow();
        // A static target may be named with the suffix itself ("db.dev"); only then does the unstripped name win.
        // Index loops, not foreach: an interface enumerator would allocate on every connection's lookup.
        for (var i = 0; i < statics.Length; i++)
        {
            if (requested.Equals(statics[i].Name, StringComparison.OrdinalIgnoreCase))
            {
                return TargetLookup.Resolve(requested, statics, index, lookup, now);
            }
        }
        var name = StripSuffix(requested);
        var resolution = TargetLookup.Resolve(name, statics, index, lookup, now);
        return resolution.Failure == TargetFailure.Unknown && !name.IsEmpty ? Unknown(index, statics, requestedHost.Trim(), name, resolution.Error!) : resolution;
    }

    /// <summary>
    /// Whether every account of <paramref name="index"/> was read within MaxStale, decided on the clock once per index
    /// and then on the monotonic tick count until the oldest account would turn stale.
    /// </summary>
    private bool AllFresh(InstanceIndex index)
    {
        var tick = Environment.TickCount64;
        var fresh = Volatile.Read(ref _fresh);
        if (fresh is not null && ReferenceEquals(fresh.Index, index))
        {
            return tick < fresh.Tick;
        }
        var remaining = new DateTimeOffset(index.OldestAccountReadUtcTicks, TimeSpan.Zero) + _lookup.MaxStale!.Value - _time.GetUtcNow();
        Volatile.Write(ref _fresh, new FreshUntil(index, remaining > TimeSpan.Zero ? tick + (long)remaining.TotalMilliseconds : long.MinValue));
        return remaining > TimeSpan.Zero;
    }

    private ReadOnlySpan<char> StripSuffix(ReadOnlySpan<char> requested)
    {
        var suffixes = _suffixes;
        for (var i = 0; i < suffixes.Length; i++)
        {
            var bare = suffixes[i].AsSpan().Trim('.');
            if (requested.Length > bare.Length + 1 && requested[^(bare.Length + 1)] == '.' && requested[^bare.Length..].Equals(bare, StringComparison.OrdinalIgnoreCase))
            {
                return requested[..^(bare.Length + 1)];
            }
        }
        return requested;
    }

    private TargetResolution Unknown(InstanceIndex index, ResolvedTarget[] statics, string requested, ReadOnlySpan<char> name, string error)
    {
        if (TargetLookup.LooksLikeAddress(name))
        {
            return TargetResolution.Refused(TargetFailure.Unknown, error);
        }
        var names = statics.Select(s => s.Name).Concat(index.Names);
        var suggestions = NameSuggester.Suggest(name.ToString(), names, _options.MaxSuggestionDistance, _options.MaxSuggestions);
        string hint;
        if (suggestions.Count > 0)
        {
            hint = $"did you mean {NameSuggester.JoinAlternatives(suggestions)}?";
        }
        else if (index.Count == 0)
        {
            hint = "ask an administrator to add it, or check the name";
        }
        else
        {
            hint = "check the name (or your instance's Name tag), or run \"ssh <bastion>\" to list what you may reach";
        }
        return TargetResolution.Refused(TargetFailure.Unknown, $"no target named \"{requested}\"; {hint}");
    }
}
