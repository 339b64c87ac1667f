namespace Bastion.Core.Inventory;

/// <summary>
/// The static inventory first, then cloud instances. An administrator's static entry wins over an instance with
/// the same name, so a target can be pinned or overridden without touching the cloud account.
/// </summary>
public sealed class CompositeTargetResolver : ITargetResolver
{
    private readonly ITargetResolver _static;
    private readonly InstanceResolver _instances;
    private readonly Func<InstanceIndex> _index;

    public CompositeTargetResolver(ITargetResolver staticInventory, InstanceResolver instances, Func<InstanceIndex> index)
    {
        _static = staticInventory;
        _instances = instances;
        _index = index;
    }

    public async ValueTask<TargetResolution> ResolveAsync(string requestedHost, CancellationToken ct)
    {
        var fromStatic = await _static.ResolveAsync(requestedHost, ct).ConfigureAwait(false);
        if (fromStatic.Succeeded || _index().Count == 0)
        {
            return fromStatic;
        }
        return _instances.Resolve(requestedHost);
    }

    public async ValueTask<IReadOnlyList<ResolvedTarget>> ListAsync(CancellationToken ct)
    {
        var fromStatic = await _static.ListAsync(ct).ConfigureAwait(false);
        var pinned = fromStatic.Select(t => t.Name).ToHashSet(StringComparer.OrdinalIgnoreCase);
        return fromStatic.Concat(_index().All.Where(t => !pinned.Contains(t.Name))).ToList();
    }
}
