using Microsoft.Data.Sqlite;

namespace Bastion.Core.Store.Sqlite;

public sealed partial class SqliteStore
{
    /// <inheritdoc />
    public async Task UpsertLiveSessionAsync(LiveSession session, CancellationToken ct = default)
    {
        ArgumentNullException.ThrowIfNull(session);
        await using var connection = await OpenConnectionAsync(ct).ConfigureAwait(false);
        using var upsert = connection.Command(
                $"INSERT INTO live_sessions ({LiveSessionRows.Columns}) VALUES (@channel, @session, @node, @user, @source, @target, @address, @instance, @account, @started, @from, @to, @updated) " +
                "ON CONFLICT (channel_id) DO UPDATE SET bytes_from_client = excluded.bytes_from_client, bytes_to_client = excluded.bytes_to_client, updated_at = excluded.updated_at;")
            .Add("@channel", session.ChannelId).Add("@session", session.SessionId).Add("@node", session.NodeId).Add("@user", session.UserName)
            .Add("@source", session.SourceAddress).Add("@target", session.TargetName).Add("@address", session.TargetAddress)
            .Add("@instance", session.InstanceId).Add("@account", session.Account).Add("@started", SqliteValues.Time(session.StartedAt))
            .Add("@from", session.BytesFromClient).Add("@to", session.BytesToClient).Add("@updated", SqliteValues.Time(session.UpdatedAt));
        await upsert.ExecuteNonQueryAsync(ct).ConfigureAwait(false);
    }

    /// <inheritdoc />
    public async Task RemoveLiveSessionAsync(string channelId, CancellationToken ct = default)
    {
        await using var connection = await OpenConnectionAsync(ct).ConfigureAwait(false);
        using var delete = connection.Command("DELETE FROM live_sessions WHERE channel_id = @channel;").Add("@channel", channelId);
        await delete.ExecuteNonQueryAsync(ct).ConfigureAwait(false);
    }

    /// <inheritdoc />
    public async Task<IReadOnlyList<LiveSession>> TakeLiveSessionsOfNodeAsync(string nodeId, CancellationToken ct = default)
    {
        await using var connection = await OpenConnectionAsync(ct).ConfigureAwait(false);
        using var delete = connection.Command($"DELETE FROM live_sessions WHERE node_id = @node RETURNING {LiveSessionRows.Columns};").Add("@node", nodeId);
        return await ReadLiveSessionsAsync(delete, ct).ConfigureAwait(false);
    }

    /// <inheritdoc />
    public async Task<IReadOnlyList<LiveSession>> ListLiveSessionsAsync(CancellationToken ct = default)
    {
        await using var connection = await OpenConnectionAsync(ct).ConfigureAwait(false);
        using var query = connection.Command($"SELECT {LiveSessionRows.Columns} FROM live_sessions ORDER BY started_at;");
        return await ReadLiveSessionsAsync(query, ct).ConfigureAwait(false);
    }

    private static async Task<IReadOnlyList<LiveSession>> ReadLiveSessionsAsync(SqliteCommand command, CancellationToken ct)
    {
        using var reader = await command.ExecuteReaderAsync(ct).ConfigureAwait(false);
        var sessions = new List<LiveSession>();
        while (await reader.ReadAsync(ct).ConfigureAwait(false))
        {
            sessions.Add(LiveSessionRows.Map(reader, SqliteValues.ReadTime));
        }
        return sessions;
    }

    /// <inheritdoc />
    public async Task<KillRequest> RequestKillAsync(string sessionId, string requestedBy, CancellationToken ct = default)
    {
        await using var connection = await OpenConnectionAsync(ct).ConfigureAwait(false);
        var now = Now;
        using var insert = connection.Command(
                "INSERT INTO kill_requests (session_id, requested_by, requested_at) VALUES (@session, @by, @at) RETURNING id;")
            .Add("@session", sessionId).Add("@by", requestedBy).Add("@at", SqliteValues.Time(now));
        var id = (long)(await insert.ExecuteScalarAsync(ct).ConfigureAwait(false))!;
        return new KillRequest(id, sessionId, requestedBy, now);
    }

    /// <inheritdoc />
    public async Task<IReadOnlyList<KillRequest>> PendingKillRequestsAsync(IReadOnlyCollection<string> sessionIds, CancellationToken ct = default)
    {
        if (sessionIds.Count == 0)
        {
            return [];
        }
        await using var connection = await OpenConnectionAsync(ct).ConfigureAwait(false);
        // Few pending requests exist at any time: read them all and filter here rather than build an IN list.
        using var query = connection.Command("SELECT id, session_id, requested_by, requested_at FROM kill_requests WHERE handled_at IS NULL ORDER BY id;");
        using var reader = await query.ExecuteReaderAsync(ct).ConfigureAwait(false);
        var wanted = sessionIds as ISet<string> ?? sessionIds.ToHashSet(StringComparer.Ordinal);
        var requests = new List<KillRequest>();
        while (await reader.ReadAsync(ct).ConfigureAwait(false))
        {
            var session = reader.GetString(1);
            if (wanted.Contains(session))
            {
                requests.Add(new KillRequest(reader.GetInt64(0), session, reader.GetString(2), reader.ReadTime(3)));
            }
        }
        return requests;
    }

    /// <inheritdoc />
    public async Task MarkKillHandledAsync(long requestId, CancellationToken ct = default)
    {
        await using var connection = await OpenConnectionAsync(ct).ConfigureAwait(false);
        using var update = connection.Command("UPDATE kill_requests SET handled_at = @at WHERE id = @id;")
            .Add("@at", SqliteValues.Time(Now)).Add("@id", requestId);
        await update.ExecuteNonQueryAsync(ct).ConfigureAwait(false);
    }

    /// <inheritdoc />
    public async Task<LoginApproval> CreateLoginApprovalAsync(LoginApproval approval, CancellationToken ct = default)
    {
        ArgumentNullException.ThrowIfNull(approval);
        await using var connection = await OpenConnectionAsync(ct).ConfigureAwait(false);
        using var insert = connection.Command(
                "INSERT INTO login_approvals (code, user_name, source_address, client_version, created_at, expires_at, state, session_id, key_fingerprint, match_number) " +
                "VALUES (@code, @user, @source, @client, @created, @expires, 'pending', @session, @key, @number);")
            .Add("@code", approval.Code).Add("@user", approval.UserName).Add("@source", approval.SourceAddress)
            .Add("@client", approval.ClientVersion).Add("@created", SqliteValues.Time(approval.CreatedAt)).Add("@expires", SqliteValues.Time(approval.ExpiresAt))
            .Add("@session", approval.SessionId).Add("@key", approval.KeyFingerprint).Add("@number", approval.MatchNumber);
        try
        {
            await insert.ExecuteNonQueryAsync(ct).ConfigureAwait(false);
        }
        catch (SqliteException ex) when (ex.IsConstraintViolation())
        {
            throw new StoreConflictException($"approval code {approval.Code} is already in use; generate another");
        }
        return approval with { State = LoginApprovalState.Pending };
    }

    /// <inheritdoc />
    public async Task<LoginApproval?> GetLoginApprovalAsync(string code, CancellationToken ct = default)
    {
        await using var connection = await OpenConnectionAsync(ct).ConfigureAwait(false);
        using var query = connection.Command(
            "SELECT code, user_name, source_address, client_version, created_at, expires_at, state, decided_by, decided_at, session_id, key_fingerprint, match_number " +
                "FROM login_approvals WHERE code = @code;")
            .Add("@code", code);
        using var reader = await query.ExecuteReaderAsync(ct).ConfigureAwait(false);
        if (!await reader.ReadAsync(ct).ConfigureAwait(false))
        {
            return null;
        }
        return new LoginApproval(reader.GetString(0), reader.GetString(1), reader.GetString(2), reader.GetString(3), reader.ReadTime(4), reader.ReadTime(5),
            LoginApproval.ParseState(reader.GetString(6)), reader.IsDBNull(7) ? null : reader.GetString(7), reader.ReadNullableTime(8))
        {
            SessionId = reader.GetString(9),
            KeyFingerprint = reader.GetString(10),
            MatchNumber = reader.GetInt32(11),
        };
    }

    /// <inheritdoc />
    public async Task<bool> DecideLoginApprovalAsync(string code, bool approve, string decidedBy, CancellationToken ct = default)
    {
        await using var connection = await OpenConnectionAsync(ct).ConfigureAwait(false);
        var now = SqliteValues.Time(Now);
        using var update = connection.Command(
                "UPDATE login_approvals SET state = @state, decided_by = @by, decided_at = @now WHERE code = @code AND state = 'pending' AND expires_at > @now;")
            .Add("@state", approve ? "approved" : "denied").Add("@by", decidedBy).Add("@now", now).Add("@code", code);
        return await update.ExecuteNonQueryAsync(ct).ConfigureAwait(false) == 1;
    }

    /// <inheritdoc />
    public async Task<bool> AbandonLoginApprovalAsync(string code, CancellationToken ct = default)
    {
        await using var connection = await OpenConnectionAsync(ct).ConfigureAwait(false);
        using var update = connection.Command(
                "UPDATE login_approvals SET state = 'abandoned', decided_at = @now WHERE code = @code AND state = 'pending';")
            .Add("@now", SqliteValues.Time(Now)).Add("@code", code);
        return await update.ExecuteNonQueryAsync(ct).ConfigureAwait(false) == 1;
    }
}
