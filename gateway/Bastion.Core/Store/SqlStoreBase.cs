using System.Data.Common;

namespace Bastion.Core.Store;

/// <summary>
/// What the SQLite and PostgreSQL stores share: the parts that are single statements reading the same on both
/// (nodes, group policies, inventory, TOTP, enrolments, web sessions, failure budgets; see <see cref="SqlAccess"/>) are implemented here once, so a
/// store supplies only its connections and how its driver writes and reads times and reports foreign-key errors.
/// </summary>
public abstract class SqlStoreBase : INodeStore, IGroupPolicyStore, IInventoryStore, ITotpStore, IEnrolmentStore, IWebSessionStore, IAuthFailureStore
{
    private readonly SqlNodeStore _nodes;
    private readonly SqlGroupPolicyStore _groupPolicies;
    private readonly SqlInventoryStore _inventory;
    private readonly SqlTotpStore _totp;
    private readonly SqlEnrolmentStore _enrolments;
    private readonly SqlWebSessionStore _webSessions;
    private readonly SqlAuthFailureStore _authFailures;

    private protected SqlStoreBase(TimeProvider clock, Func<DateTimeOffset, object> time, Func<DbDataReader, int, DateTimeOffset> readTime,
        Func<Exception, bool> isForeignKeyViolation)
    {
        Clock = clock;
        // The connection opener is called only once the store is built, so the derived part's own fields are set by then.
        var sql = new SqlAccess(OpenSharedConnectionAsync, time, readTime, clock, isForeignKeyViolation);
        _nodes = new SqlNodeStore(sql);
        _groupPolicies = new SqlGroupPolicyStore(sql);
        _inventory = new SqlInventoryStore(sql);
        _totp = new SqlTotpStore(sql);
        _enrolments = new SqlEnrolmentStore(sql);
        _webSessions = new SqlWebSessionStore(sql);
        _authFailures = new SqlAuthFailureStore(sql);
    }

    /// <summary>The store's clock.</summary>
    private protected TimeProvider Clock { get; }

    /// <summary>An open connection of the derived store, set up as its own operations get them.</summary>
    private protected abstract ValueTask<DbConnection> OpenSharedConnectionAsync(CancellationToken ct);

    /// <inheritdoc />
    public Task<bool> RecordNodeHeartbeatAsync(GatewayNode node, CancellationToken ct = default) => _nodes.RecordNodeHeartbeatAsync(node, ct);

    /// <inheritdoc />
    public Task<IReadOnlyList<GatewayNode>> ListNodesAsync(CancellationToken ct = default) => _nodes.ListNodesAsync(ct);

    /// <inheritdoc />
    public Task<bool> TryRetireNodeAsync(string nodeId, DateTimeOffset lastSeenBefore, CancellationToken ct = default) =>
        _nodes.TryRetireNodeAsync(nodeId, lastSeenBefore, ct);

    /// <inheritdoc />
    public Task RemoveNodeAsync(string nodeId, CancellationToken ct = default) => _nodes.RemoveNodeAsync(nodeId, ct);

    /// <inheritdoc />
    public Task SetGroupMfaPolicyAsync(string groupName, string mfaPolicy, CancellationToken ct = default) =>
        _groupPolicies.SetGroupMfaPolicyAsync(groupName, mfaPolicy, ct);

    /// <inheritdoc />
    public Task<bool> RemoveGroupMfaPolicyAsync(string groupName, CancellationToken ct = default) => _groupPolicies.RemoveGroupMfaPolicyAsync(groupName, ct);

    /// <inheritdoc />
    public Task<IReadOnlyDictionary<string, string>> ListGroupMfaPoliciesAsync(CancellationToken ct = default) => _groupPolicies.ListGroupMfaPoliciesAsync(ct);

    /// <inheritdoc />
    public Task SaveInventoryAccountAsync(InventoryAccountRecord account, CancellationToken ct = default) => _inventory.SaveInventoryAccountAsync(account, ct);

    /// <inheritdoc />
    public Task<IReadOnlyList<InventoryAccountRecord>> ListInventoryAccountsAsync(CancellationToken ct = default) => _inventory.ListInventoryAccountsAsync(ct);

    /// <inheritdoc />
    public Task<InventoryFindingChanges> SyncInventoryFindingsAsync(string kind, IReadOnlyList<Inventory.InventoryFinding> current, CancellationToken ct = default) =>
        _inventory.SyncInventoryFindingsAsync(kind, current, ct);

    /// <inheritdoc />
    public Task<IReadOnlyList<Inventory.InventoryFinding>> ListInventoryFindingsAsync(CancellationToken ct = default) => _inventory.ListInventoryFindingsAsync(ct);

    /// <inheritdoc />
    public Task SetTotpCredentialAsync(long userId, byte[] encryptedSecret, CancellationToken ct = default) => _totp.SetTotpCredentialAsync(userId, encryptedSecret, ct);

    /// <inheritdoc />
    public Task<TotpCredential?> GetTotpCredentialAsync(long userId, CancellationToken ct = default) => _totp.GetTotpCredentialAsync(userId, ct);

    /// <inheritdoc />
    public Task<bool> TryAdvanceTotpStepAsync(long userId, long step, CancellationToken ct = default) => _totp.TryAdvanceTotpStepAsync(userId, step, ct);

    /// <inheritdoc />
    public Task<bool> RemoveTotpCredentialAsync(long userId, CancellationToken ct = default) => _totp.RemoveTotpCredentialAsync(userId, ct);

    /// <inheritdoc />
    public Task<IReadOnlyDictionary<long, Enrolment>> ListEnrolmentsAsync(CancellationToken ct = default) => _enrolments.ListEnrolmentsAsync(ct);

    /// <inheritdoc />
    public Task<WebSession> CreateWebSessionAsync(NewWebSession session, CancellationToken ct = default) => _webSessions.CreateWebSessionAsync(session, ct);

    /// <inheritdoc />
    public Task<WebSession?> FindWebSessionAsync(byte[] tokenHash, CancellationToken ct = default) => _webSessions.FindWebSessionAsync(tokenHash, ct);

    /// <inheritdoc />
    public Task<bool> TouchWebSessionAsync(long sessionId, CancellationToken ct = default) => _webSessions.TouchWebSessionAsync(sessionId, ct);

    /// <inheritdoc />
    public Task<bool> RecordWebSessionVerifiedAsync(long sessionId, CancellationToken ct = default) => _webSessions.RecordWebSessionVerifiedAsync(sessionId, ct);

    /// <inheritdoc />
    public Task<bool> RevokeWebSessionAsync(long sessionId, CancellationToken ct = default) => _webSessions.RevokeWebSessionAsync(sessionId, ct);

    /// <inheritdoc />
    public Task<int> RevokeWebSessionsOfUserAsync(long userId, CancellationToken ct = default) => _webSessions.RevokeWebSessionsOfUserAsync(userId, ct);

    /// <inheritdoc />
    public Task<int> DeleteWebSessionsEndedBeforeAsync(DateTimeOffset before, CancellationToken ct = default) =>
        _webSessions.DeleteWebSessionsEndedBeforeAsync(before, ct);

    /// <inheritdoc />
    public Task<AuthFailureState> RecordAuthFailureAsync(string subject, AuthFailureRule rule, DateTimeOffset at, int amount = 1, CancellationToken ct = default) =>
        _authFailures.RecordAuthFailureAsync(subject, rule, at, amount, ct);

    /// <inheritdoc />
    public Task<IReadOnlyList<AuthLockout>> GetAuthLockoutsAsync(IReadOnlyList<string> subjects, DateTimeOffset at, CancellationToken ct = default) =>
        _authFailures.GetAuthLockoutsAsync(subjects, at, ct);

    /// <inheritdoc />
    public Task ForgiveAuthFailuresAsync(string subject, int count, DateTimeOffset at, CancellationToken ct = default) =>
        _authFailures.ForgiveAuthFailuresAsync(subject, count, at, ct);

    /// <inheritdoc />
    public Task<IReadOnlyList<AuthLockout>> ListAuthLockoutsAsync(DateTimeOffset at, CancellationToken ct = default) => _authFailures.ListAuthLockoutsAsync(at, ct);

    /// <inheritdoc />
    public Task<bool> ClearAuthFailuresAsync(string subject, CancellationToken ct = default) => _authFailures.ClearAuthFailuresAsync(subject, ct);

    /// <inheritdoc />
    public Task<int> PurgeAuthFailuresAsync(DateTimeOffset at, CancellationToken ct = default) => _authFailures.PurgeAuthFailuresAsync(at, ct);
}
