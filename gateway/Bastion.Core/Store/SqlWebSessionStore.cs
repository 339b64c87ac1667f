using System.Data.Common;

namespace Bastion.Core.Store;

/// <summary><see cref="IWebSessionStore"/> for both databases: each method is one statement.</summary>
internal sealed class SqlWebSessionStore(SqlAccess sql) : IWebSessionStore
{
    private const string Columns = "id, user_id, created_at, last_seen_at, expires_at, verified_at, revoked_at, source_address";

    public async Task<WebSession> CreateWebSessionAsync(NewWebSession session, CancellationToken ct = default)
    {
        ArgumentNullException.ThrowIfNull(session);
        ArgumentNullException.ThrowIfNull(session.TokenHash);
        var now = sql.Clock.GetUtcNow();
        await using var connection = await sql.OpenAsync(ct).ConfigureAwait(false);
        await using var insert = SqlAccess.Command(connection,
            $"INSERT INTO web_sessions (user_id, token_hash, created_at, last_seen_at, expires_at, verified_at, source_address) " +
            $"VALUES (@user, @hash, @now, @now, @expires, @now, @source) RETURNING {Columns};",
            ("@user", session.UserId), ("@hash", session.TokenHash), ("@now", sql.Time(now)), ("@expires", sql.Time(session.ExpiresAt)),
            ("@source", session.SourceAddress ?? ""));
        try
        {
            await using var reader = await insert.ExecuteReaderAsync(ct).ConfigureAwait(false);
            await reader.ReadAsync(ct).ConfigureAwait(false);
            return Read(reader);
        }
        catch (Exception ex) when (sql.IsForeignKeyViolation(ex))
        {
            throw new EntityNotFoundException($"no user with id {session.UserId}; the user may have been deleted meanwhile");
        }
    }

    public async Task<WebSession?> FindWebSessionAsync(byte[] tokenHash, CancellationToken ct = default)
    {
        ArgumentNullException.ThrowIfNull(tokenHash);
        await using var connection = await sql.OpenAsync(ct).ConfigureAwait(false);
        await using var query = SqlAccess.Command(connection, $"SELECT {Columns} FROM web_sessions WHERE token_hash = @hash;", ("@hash", tokenHash));
        await using var reader = await query.ExecuteReaderAsync(ct).ConfigureAwait(false);
        return await reader.ReadAsync(ct).ConfigureAwait(false) ? Read(reader) : null;
    }

    public Task<bool> TouchWebSessionAsync(long sessionId, CancellationToken ct = default) =>
        StampAsync("last_seen_at", sessionId, ct);

    public Task<bool> RecordWebSessionVerifiedAsync(long sessionId, CancellationToken ct = default) =>
        StampAsync("verified_at", sessionId, ct);

    public Task<bool> RevokeWebSessionAsync(long sessionId, CancellationToken ct = default) =>
        StampAsync("revoked_at", sessionId, ct);

    public async Task<int> RevokeWebSessionsOfUserAsync(long userId, CancellationToken ct = default)
    {
        await using var connection = await sql.OpenAsync(ct).ConfigureAwait(false);
        await using var update = SqlAccess.Command(connection,
            "UPDATE web_sessions SET revoked_at = @now WHERE user_id = @user AND revoked_at IS NULL;",
            ("@now", sql.Time(sql.Clock.GetUtcNow())), ("@user", userId));
        return await update.ExecuteNonQueryAsync(ct).ConfigureAwait(false);
    }

    public async Task<int> DeleteWebSessionsEndedBeforeAsync(DateTimeOffset before, CancellationToken ct = default)
    {
        await using var connection = await sql.OpenAsync(ct).ConfigureAwait(false);
        await using var delete = SqlAccess.Command(connection,
            "DELETE FROM web_sessions WHERE expires_at < @before OR revoked_at < @before;", ("@before", sql.Time(before)));
        return await delete.ExecuteNonQueryAsync(ct).ConfigureAwait(false);
    }

    /// <summary>
    /// Sets one time column to now on a session that is not revoked: the condition in the statement itself, so a
    /// touch or step-up racing a sign-out on another process never brings the session back, and a session is revoked once.
    /// </summary>
    private async Task<bool> StampAsync(string column, long sessionId, CancellationToken ct)
    {
        await using var connection = await sql.OpenAsync(ct).ConfigureAwait(false);
        await using var update = SqlAccess.Command(connection,
            $"UPDATE web_sessions SET {column} = @now WHERE id = @id AND revoked_at IS NULL;",
            ("@now", sql.Time(sql.Clock.GetUtcNow())), ("@id", sessionId));
        return await update.ExecuteNonQueryAsync(ct).ConfigureAwait(false) == 1;
    }

    private WebSession Read(DbDataReader reader) => new(
        reader.GetInt64(0), reader.GetInt64(1), sql.ReadTime(reader, 2), sql.ReadTime(reader, 3), sql.ReadTime(reader, 4), sql.ReadTime(reader, 5),
        reader.IsDBNull(6) ? null : sql.ReadTime(reader, 6), reader.GetString(7));
}
