using Dapper;

namespace Bastion.Core.Store.Sql;

public abstract partial class SqlStore
{
    private const string ApprovalColumns =
        "code, user_name, source_address, client_version, created_at, expires_at, state, decided_by, decided_at, session_id, key_fingerprint, match_number";

    public Task UpsertLiveSessionAsync(LiveSession session, CancellationToken ct = default)
    {
        ArgumentNullException.ThrowIfNull(session);
        return RunAsync(
            $"INSERT INTO live_sessions ({LiveSessionRows.Columns}) VALUES (@ChannelId, @SessionId, @NodeId, @UserName, @SourceAddress, @TargetName, @TargetAddress, " +
            "@InstanceId, @Account, @started, @BytesFromClient, @BytesToClient, @updated) " +
            "ON CONFLICT (channel_id) DO UPDATE SET bytes_from_client = excluded.bytes_from_client, bytes_to_client = excluded.bytes_to_client, updated_at = excluded.updated_at;",
            new
            {
                session.ChannelId, session.SessionId, session.NodeId, session.UserName, session.SourceAddress, session.TargetName, session.TargetAddress,
                session.InstanceId, session.Account, started = D.Time(session.StartedAt), session.BytesFromClient, session.BytesToClient, updated = D.Time(session.UpdatedAt),
            }, ct);
    }

    public Task RemoveLiveSessionAsync(string channelId, CancellationToken ct = default) =>
        RunAsync("DELETE FROM live_sessions WHERE channel_id = @channelId;", new { channelId }, ct);

    public Task<IReadOnlyList<LiveSession>> TakeLiveSessionsOfNodeAsync(string nodeId, CancellationToken ct = default) =>
        WithConnectionAsync(connection => connection.ListAsync($"DELETE FROM live_sessions WHERE node_id = @nodeId RETURNING {LiveSessionRows.Columns};", new { nodeId }, null,
            r => LiveSessionRows.Map(r, D.ReadTime), ct), ct);

    public Task<IReadOnlyList<LiveSession>> ListLiveSessionsAsync(CancellationToken ct = default) =>
        WithConnectionAsync(connection => connection.ListAsync($"SELECT {LiveSessionRows.Columns} FROM live_sessions ORDER BY started_at;", null, null,
            r => LiveSessionRows.Map(r, D.ReadTime), ct), ct);

    public Task<KillRequest> RequestKillAsync(string sessionId, string requestedBy, CancellationToken ct = default) =>
        WithConnectionAsync(async connection => (await connection.FirstAsync(
            "INSERT INTO kill_requests (session_id, requested_by, requested_at) VALUES (@sessionId, @requestedBy, @at) RETURNING id, requested_at;",
            new { sessionId, requestedBy, at = D.Time(Now) }, null, r => new KillRequest(r.GetInt64(0), sessionId, requestedBy, D.ReadTime(r, 1)), ct).ConfigureAwait(false))!, ct);

    public Task<IReadOnlyList<KillRequest>> PendingKillRequestsAsync(IReadOnlyCollection<string> sessionIds, CancellationToken ct = default)
    {
        if (sessionIds.Count == 0)
        {
            return Task.FromResult<IReadOnlyList<KillRequest>>([]);
        }
        var args = new DynamicParameters();
        var sessions = Db.InList(args, "s", sessionIds.Distinct(StringComparer.Ordinal));
        return WithConnectionAsync(connection => connection.ListAsync(
            $"SELECT id, session_id, requested_by, requested_at FROM kill_requests WHERE handled_at IS NULL AND session_id IN ({sessions}) ORDER BY id;", args, null,
            r => new KillRequest(r.GetInt64(0), r.GetString(1), r.GetString(2), D.ReadTime(r, 3)), ct), ct);
    }

    public Task MarkKillHandledAsync(long requestId, CancellationToken ct = default) =>
        RunAsync("UPDATE kill_requests SET handled_at = @at WHERE id = @requestId;", new { at = D.Time(Now), requestId }, ct);

    public async Task<LoginApproval> CreateLoginApprovalAsync(LoginApproval approval, CancellationToken ct = default)
    {
        ArgumentNullException.ThrowIfNull(approval);
        await RefusingAsync(() => RunAsync(
                $"INSERT INTO login_approvals ({ApprovalColumns}) VALUES (@Code, @UserName, @SourceAddress, @ClientVersion, @created, @expires, 'pending', NULL, NULL, " +
                "@SessionId, @KeyFingerprint, @MatchNumber);",
                new
                {
                    approval.Code, approval.UserName, approval.SourceAddress, approval.ClientVersion, created = D.Time(approval.CreatedAt), expires = D.Time(approval.ExpiresAt),
                    approval.SessionId, approval.KeyFingerprint, approval.MatchNumber,
                }, ct),
            () => new StoreConflictException($"approval code {approval.Code} is already in use; generate another")).ConfigureAwait(false);
        return approval with { State = LoginApprovalState.Pending };
    }

    public Task<LoginApproval?> GetLoginApprovalAsync(string code, CancellationToken ct = default) =>
        WithConnectionAsync(connection => connection.FirstAsync($"SELECT {ApprovalColumns} FROM login_approvals WHERE code = @code;", new { code }, null,
            r => new LoginApproval(r.GetString(0), r.GetString(1), r.GetString(2), r.GetString(3), D.ReadTime(r, 4), D.ReadTime(r, 5),
                LoginApproval.ParseState(r.GetString(6)), r.IsDBNull(7) ? null : r.GetString(7), D.ReadNullableTime(r, 8))
            {
                SessionId = r.GetString(9),
                KeyFingerprint = r.GetString(10),
                MatchNumber = r.GetInt32(11),
            }, ct), ct);

    public async Task<bool> DecideLoginApprovalAsync(string code, bool approve, string decidedBy, CancellationToken ct = default) =>
        // One conditional UPDATE: of two racing decisions (two admin nodes, two clicks) exactly one changes the row.
        await RunAsync("UPDATE login_approvals SET state = @state, decided_by = @decidedBy, decided_at = @now WHERE code = @code AND state = 'pending' AND expires_at > @now;",
            new { state = approve ? "approved" : "denied", decidedBy, now = D.Time(Now), code }, ct).ConfigureAwait(false) == 1;

    public async Task<bool> AbandonLoginApprovalAsync(string code, CancellationToken ct = default) =>
        await RunAsync("UPDATE login_approvals SET state = 'abandoned', decided_at = @now WHERE code = @code AND state = 'pending';",
            new { now = D.Time(Now), code }, ct).ConfigureAwait(false) == 1;
}
