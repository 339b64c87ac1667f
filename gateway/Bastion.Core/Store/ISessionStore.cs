namespace Bastion.Core.Store;

/// <summary>Live sessions, kill requests and browser login approvals: how gateway nodes and the admin app meet.</summary>
public interface ISessionStore
{
    Task UpsertLiveSessionAsync(LiveSession session, CancellationToken ct = default);

    Task RemoveLiveSessionAsync(string channelId, CancellationToken ct = default);

    Task<IReadOnlyList<LiveSession>> ListLiveSessionsAsync(CancellationToken ct = default);

    /// <summary>
    /// Deletes and returns the rows a node left behind (it restarted, crashed or was retired). One statement: of
    /// several callers at once each row goes to exactly one, so each lost session is recorded once.
    /// </summary>
    Task<IReadOnlyList<LiveSession>> TakeLiveSessionsOfNodeAsync(string nodeId, CancellationToken ct = default);

    Task<KillRequest> RequestKillAsync(string sessionId, string requestedBy, CancellationToken ct = default);

    /// <summary>Unhandled kill requests for any of <paramref name="sessionIds"/>.</summary>
    Task<IReadOnlyList<KillRequest>> PendingKillRequestsAsync(IReadOnlyCollection<string> sessionIds, CancellationToken ct = default);

    Task MarkKillHandledAsync(long requestId, CancellationToken ct = default);

    Task<LoginApproval> CreateLoginApprovalAsync(LoginApproval approval, CancellationToken ct = default);

    Task<LoginApproval?> GetLoginApprovalAsync(string code, CancellationToken ct = default);

    /// <summary>Approves or denies a pending, unexpired request atomically; false if it was not pending anymore.</summary>
    Task<bool> DecideLoginApprovalAsync(string code, bool approve, string decidedBy, CancellationToken ct = default);

    /// <summary>Marks a pending approval abandoned (its ssh client left); false when it was no longer pending.</summary>
    Task<bool> AbandonLoginApprovalAsync(string code, CancellationToken ct = default);
}
