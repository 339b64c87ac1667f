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
    private ClockReading? _clock;

    private const long ClockRefreshMilliseconds = 200;

    private sealed record ClockReading(long Tick, DateTimeOffset Now);

    public InstanceResolver(Func<InstanceIndex> index, InstanceResolverOptions? options = null, TimeProvider? time = null)
    {
        _index = index;
        _options = options ?? new InstanceResolverOptions();
        _lookup = new TargetLookupOptions { AllowAddresses = _options.AllowAddresses, MaxStale = _options.MaxStale };
        _time = time ?? TimeProvider.System;
    }

    /// <summary>Resolves against cloud instances only.</summary>
    public TargetResolution Resolve(string requestedHost) => Resolve(requestedHost, []);

    /// <summary>Resolves against <paramref name="statics"/> (the static inventory, which wins over instances) and the instances.</summary>
    public TargetResolution Resolve(string requestedHost, IReadOnlyList<ResolvedTarget> statics)
    {
        var index = _index();
        var requested = requestedHost.AsSpan().Trim().TrimEnd('.');
        var now = _lookup.MaxStale is null ? default : Now();
        // A static target may be named with the suffix itself ("db.dev"); only then does the unstripped name win.
        // Index loops, not foreach: an interface enumerator would allocate on every connection's lookup.
        for (var i = 0; i < statics.Count; i++)
        {
            if (requested.Equals(statics[i].Name, StringComparison.OrdinalIgnoreCase))
            {
                return TargetLookup.Resolve(requested, statics, index, _lookup, now);
            }
        }
        var name = StripSuffix(requested);
        var resolution = TargetLookup.Resolve(name, statics, index, _lookup, now);
        return resolution.Failure == TargetFailure.Unknown && !name.IsEmpty ? Unknown(index, statics, requestedHost.Trim(), name, resolution.Error!) : resolution;
    }

    /// <summary>
    /// The time, read from the clock at most every <see cref="ClockRefreshMilliseconds"/>: staleness is judged in
    /// minutes, and reading the clock on every lookup was a third of a lookup's cost (bench/inventory.sh).
    /// </summary>
    private DateTimeOffset Now()
    {
        var tick = Environment.TickCount64;
        var reading = Volatile.Read(ref _clock);
        if (reading is null || tick - reading.Tick >= ClockRefreshMilliseconds || tick < reading.Tick)
        {
            reading = new ClockReading(tick, _time.GetUtcNow());
            Volatile.Write(ref _clock, reading);
        }
        return reading.Now;
    }

    private ReadOnlySpan<char> StripSuffix(ReadOnlySpan<char> requested)
    {
        var suffixes = _options.DomainSuffixes;
        for (var i = 0; i < suffixes.Count; i++)
        {
            var bare = suffixes[i].AsSpan().Trim('.');
            if (requested.Length > bare.Length + 1 && requested[^(bare.Length + 1)] == '.' && requested[^bare.Length..].Equals(bare, StringComparison.OrdinalIgnoreCase))
            {
                return requested[..^(bare.Length + 1)];
            }
        }
        return requested;
    }

    private TargetResolution Unknown(InstanceIndex index, IReadOnlyList<ResolvedTarget> statics, string requested, ReadOnlySpan<char> name, string error)
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
