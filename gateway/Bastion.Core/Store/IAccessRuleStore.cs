namespace Bastion.Core.Store;

/// <summary>Access rules; evaluate them with <see cref="Policy.AccessPolicy"/>.</summary>
public interface IAccessRuleStore
{
    /// <summary>Adds a rule. Throws <see cref="InvalidEntityException"/> for a bad subject, pattern or tags.</summary>
    Task<AccessRule> AddAccessRuleAsync(AccessRuleDefinition rule, CancellationToken ct = default);

    /// <summary>All rules ordered by id.</summary>
    Task<IReadOnlyList<AccessRule>> ListAccessRulesAsync(CancellationToken ct = default);

    /// <summary>False if there was no rule with this id.</summary>
    Task<bool> DeleteAccessRuleAsync(long id, CancellationToken ct = default);
}
