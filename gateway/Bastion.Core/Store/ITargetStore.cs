namespace Bastion.Core.Store;

/// <summary>The static inventory of targets.</summary>
public interface ITargetStore
{
    /// <summary>Adds a target. Throws <see cref="InvalidEntityException"/> or <see cref="StoreConflictException"/> (name taken in any case).</summary>
    Task<Target> AddTargetAsync(TargetDefinition target, CancellationToken ct = default);

    /// <summary>The target with this name (case-insensitive), or null.</summary>
    Task<Target?> GetTargetAsync(string name, CancellationToken ct = default);

    /// <summary>All targets ordered by name.</summary>
    Task<IReadOnlyList<Target>> ListTargetsAsync(CancellationToken ct = default);

    /// <summary>
    /// Replaces the target called <paramref name="name"/> with <paramref name="target"/> (which may rename it).
    /// Throws <see cref="EntityNotFoundException"/> or <see cref="StoreConflictException"/>.
    /// </summary>
    Task<Target> UpdateTargetAsync(string name, TargetDefinition target, CancellationToken ct = default);

    /// <summary>False if there was no such target.</summary>
    Task<bool> DeleteTargetAsync(string name, CancellationToken ct = default);
}
