using System.Data.Common;

namespace Bastion.Core.Store.Sql;

public abstract partial class SqlStore
{
    private const string WebSessionColumns = "id, user_id, created_at, last_seen_at, expires_at, verified_at, revoked_at, source_address";

    public Task<WebSession> CreateWebSessionAsync(NewWebSession session, CancellationToken ct = default)
    {
        ArgumentNullException.ThrowIfNull(session);
        ArgumentNullException.ThrowIfNull(session.TokenHash);
        return RefusingAsync(async () => (await WithConnectionAsync(connection => connection.FirstAsync(
                "INSERT INTO web_sessions (user_id, token_hash, created_at, last_seen_at, expires_at, verified_at, source_address) " +
                $"VALUES (@UserId, @TokenHash, @now, @now, @expires, @now, @source) RETURNING {WebSessionColumns};",
                new { session.UserId, session.TokenHash, now = D.Time(Now), expires = D.Time(session.ExpiresAt), source = session.SourceAddress ?? "" }, null, MapWebSession, ct), ct)
                .ConfigureAwait(false))!,
            null, () => new EntityNotFoundException($"no user with id {session.UserId}; the user may have been deleted meanwhile"));
    }

    public Task<WebSession?> FindWebSessionAsync(byte[] tokenHash, CancellationToken ct = default)
    {
        ArgumentNullException.ThrowIfNull(tokenHash);
        return WithConnectionAsync(connection => connection.FirstAsync($"SELECT {WebSessionColumns} FROM web_sessions WHERE token_hash = @tokenHash;", new { tokenHash }, null,
            MapWebSession, ct), ct);
    }

    public Task<bool> TouchWebSessionAsync(long sessionId, CancellationToken ct = default) => StampWebSessionAsync("last_seen_at", sessionId, ct);

    public Task<bool> RecordWebSessionVerifiedAsync(long sessionId, CancellationToken ct = default) => StampWebSessionAsync("verified_at", sessionId, ct);

    public Task<bool> RevokeWebSessionAsync(long sessionId, CancellationToken ct = default) => StampWebSessionAsync("revoked_at", sessionId, ct);

    public Task<int> RevokeWebSessionsOfUserAsync(long userId, CancellationToken ct = default) =>
        RunAsync("UPDATE web_sessions SET revoked_at = @now WHERE user_id = @userId AND revoked_at IS NULL;", new { now = D.Time(Now), userId }, ct);

    public Task<int> DeleteWebSessionsEndedBeforeAsync(DateTimeOffset before, CancellationToken ct = default) =>
        RunAsync("DELETE FROM web_sessions WHERE expires_at < @before OR revoked_at < @before;", new { before = D.Time(before) }, ct);

    /// <summary>
    /// Sets one time column to now on a session that is not revoked: the condition in the statement itself, so a
    /// touch or step-up racing a sign-out on another process never brings the session back, and a session is revoked once.
    /// </summary>
    private async Task<bool> StampWebSessionAsync(string column, long sessionId, CancellationToken ct) =>
        await RunAsync($"UPDATE web_sessions SET {column} = @now WHERE id = @sessionId AND revoked_at IS NULL;", new { now = D.Time(Now), sessionId }, ct)
            .ConfigureAwait(false) == 1;

    private WebSession MapWebSession(DbDataReader r) => new(
        r.GetInt64(0), r.GetInt64(1), D.ReadTime(r, 2), D.ReadTime(r, 3), D.ReadTime(r, 4), D.ReadTime(r, 5), D.ReadNullableTime(r, 6), r.GetString(7));
}
