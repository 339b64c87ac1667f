using Bastion.Core.Store;

namespace Bastion.Core.Inventory;

/// <summary>
/// Resolves targets from the static inventory in the store. Reads the store on every call, so targets added
/// by the CLI or the admin app are visible at once (the table is small). Names are resolved by the same
/// <see cref="TargetLookup"/> order as instances (exact name, name without the domain suffix, host, address); an
/// unknown name gets close names suggested.
/// </summary>
public sealed class StaticInventory : ITargetResolver
{
    /// <summary>Value of <see cref="ResolvedTarget.Source"/> for targets from this resolver.</summary>
    public const string SourceName = "static";

    private readonly ITargetStore _store;
    private readonly StaticInventoryOptions _options;

    public StaticInventory(ITargetStore store, StaticInventoryOptions? options = null)
    {
        _store = store ?? throw new ArgumentNullException(nameof(store));
        _options = options ?? new StaticInventoryOptions();
    }

    /// <inheritdoc />
    public async ValueTask<TargetResolution> ResolveAsync(string requestedHost, CancellationToken ct)
    {
        var targets = await ListAsync(ct).ConfigureAwait(false);
        return new InstanceResolver(() => InstanceIndex.Empty, new InstanceResolverOptions
        {
            DomainSuffixes = _options.DomainSuffixes,
            MaxSuggestionDistance = _options.MaxSuggestionDistance,
            MaxSuggestions = _options.MaxSuggestions,
        }).Resolve(requestedHost ?? "", targets);
    }

    /// <inheritdoc />
    public async ValueTask<IReadOnlyList<ResolvedTarget>> ListAsync(CancellationToken ct)
    {
        var targets = await _store.ListTargetsAsync(ct).ConfigureAwait(false);
        return targets.Select(ToResolved).ToList();
    }

    private static ResolvedTarget ToResolved(Target t) => new(t.Name, t.Host, t.Port, t.Account, t.Tags, SourceName);
}
