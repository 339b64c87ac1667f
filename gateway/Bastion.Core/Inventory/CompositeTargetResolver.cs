namespace Bastion.Core.Inventory;

/// <summary>
/// The static inventory and cloud instances as one resolver. The static targets are read on every call (the CLI
/// and the admin app change them) and handed to <see cref="InstanceResolver"/>, which applies the one resolution
/// order: an administrator's static entry wins over an instance with the same name, and an address a static target
/// and an instance both claim is dialled for neither.
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
        var statics = await _static.ListAsync(ct).ConfigureAwait(false);
        return _instances.Resolve(requestedHost ?? "", statics);
    }

    public async ValueTask<IReadOnlyList<ResolvedTarget>> ListAsync(CancellationToken ct)
    {
        var fromStatic = await _static.ListAsync(ct).ConfigureAwait(false);
        var pinned = fromStatic.Select(t => t.Name).ToHashSet(StringComparer.OrdinalIgnoreCase);
        return fromStatic.Concat(_index().All.Where(t => !pinned.Contains(t.Name))).ToList();
    }
}
