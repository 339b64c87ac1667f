namespace Bastion.Core.Store;

/// <summary>
/// Everything Bastion persists, behind one interface so that the gateway and the admin app can run on SQLite
/// (one node) or PostgreSQL (several nodes). All methods are safe to call concurrently, also from several
/// processes sharing the same database. Disposing closes the store's pooled connections.
/// </summary>
public interface IBastionStore : IUserStore, ISshKeyStore, ITotpStore, ITargetStore, IAccessRuleStore, IAuditStore, IInventoryStore, ISessionStore, IAdminStore, IAnomalyBaselineStore, IRecordingStore, IGroupPolicyStore, INodeStore, IEnrolmentStore, IWebSessionStore, IAuthFailureStore, IAsyncDisposable
{
    /// <summary>
    /// Brings the schema up to date. Safe to call from several processes at once; each migration is applied
    /// exactly once. Throws <see cref="SchemaVersionException"/> if a newer version changed the database in a way this code cannot run with.
    /// </summary>
    Task MigrateAsync(CancellationToken ct = default);

    /// <summary>
    /// After <see cref="MigrateAsync"/>: null, or a warning that a newer Bastion migrated the database further with
    /// steps this version can run alongside (a rolling upgrade in progress). Log it; doctor shows it.
    /// </summary>
    string? SchemaNotice { get; }
}
