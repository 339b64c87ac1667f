namespace Bastion.Core.Store.Sql;

public abstract partial class SqlStore
{
    public Task<FirstSeenResult> TryRecordFirstSeenAsync(string user, string kind, string value, DateTimeOffset at, CancellationToken ct = default)
    {
        ArgumentException.ThrowIfNullOrEmpty(user);
        ArgumentException.ThrowIfNullOrEmpty(kind);
        ArgumentNullException.ThrowIfNull(value);
        return WriteAsync(async (connection, tx) =>
        {
            // Count and insert must be one step, or two nodes recording a user's first two values at once would both
            // count 0 and neither would alert: SQLite's write transaction does that; PostgreSQL (READ COMMITTED) takes
            // a transaction-scoped lock per (user, kind).
            await D.SerializeAsync(connection, tx, "anomaly:" + user + "\n" + kind, ct).ConfigureAwait(false);
            var knownBefore = await connection.ScalarAsync<int>("SELECT COUNT(*) FROM anomaly_first_seen WHERE user_name = @user AND kind = @kind;", new { user, kind }, tx, ct)
                .ConfigureAwait(false);
            var inserted = await connection.RunAsync(
                "INSERT INTO anomaly_first_seen (user_name, kind, value, first_seen_at) VALUES (@user, @kind, @value, @at) ON CONFLICT (user_name, kind, value) DO NOTHING;",
                new { user, kind, value, at = D.Time(at) }, tx, ct).ConfigureAwait(false);
            return inserted == 1 ? new FirstSeenResult(true, knownBefore) : new FirstSeenResult(false, knownBefore - 1);
        }, ct);
    }

    public Task<IReadOnlyList<long>> RecordLoginHourAsync(string user, int hour, CancellationToken ct = default)
    {
        ArgumentException.ThrowIfNullOrEmpty(user);
        ArgumentOutOfRangeException.ThrowIfNegative(hour);
        ArgumentOutOfRangeException.ThrowIfGreaterThan(hour, 23);
        return WriteAsync<IReadOnlyList<long>>(async (connection, tx) =>
        {
            // The upsert first: its RETURNING value is decided under the row's lock, so of two nodes counting the same
            // new hour at once only one sees 1.
            var thisHour = await connection.ScalarAsync<long>(
                "INSERT INTO anomaly_login_hours (user_name, hour, logins) VALUES (@user, @hour, 1) " +
                "ON CONFLICT (user_name, hour) DO UPDATE SET logins = anomaly_login_hours.logins + 1 RETURNING logins;", new { user, hour }, tx, ct).ConfigureAwait(false);
            var counts = new long[24];
            foreach (var (h, logins) in await connection.ListAsync("SELECT hour, logins FROM anomaly_login_hours WHERE user_name = @user;", new { user }, tx,
                         r => (Convert.ToInt32(r.GetValue(0)), r.GetInt64(1)), ct).ConfigureAwait(false))
            {
                counts[h] = logins;
            }
            counts[hour] = thisHour - 1;
            return counts;
        }, ct);
    }

    public async Task<bool> TryStartEpisodeAsync(string subject, DateTimeOffset at, TimeSpan quietPeriod, CancellationToken ct = default)
    {
        ArgumentException.ThrowIfNullOrEmpty(subject);
        ArgumentOutOfRangeException.ThrowIfLessThan(quietPeriod, TimeSpan.Zero);
        var episodeId = Guid.NewGuid().ToString("N");
        // One statement decides (SQLite's write lock or PostgreSQL's row lock serializes racers): our fresh id lands only
        // if the subject was quiet; otherwise the running episode is extended. The SET expressions read the row as it was.
        var winner = await WithConnectionAsync(connection => connection.ScalarAsync<string>(
            "INSERT INTO anomaly_episodes (subject, episode_id, started_at, last_at) VALUES (@subject, @episodeId, @at, @at) " +
            "ON CONFLICT (subject) DO UPDATE SET " +
            "episode_id = CASE WHEN anomaly_episodes.last_at < @quietSince THEN excluded.episode_id ELSE anomaly_episodes.episode_id END, " +
            "started_at = CASE WHEN anomaly_episodes.last_at < @quietSince THEN excluded.started_at ELSE anomaly_episodes.started_at END, " +
            "last_at = CASE WHEN anomaly_episodes.last_at < excluded.last_at THEN excluded.last_at ELSE anomaly_episodes.last_at END " +
            "RETURNING episode_id;", new { subject, episodeId, at = D.Time(at), quietSince = D.Time(at - quietPeriod) }, null, ct), ct).ConfigureAwait(false);
        return winner == episodeId;
    }

    public async Task<bool> IsEpisodeRunningAsync(string subject, DateTimeOffset at, TimeSpan quietPeriod, CancellationToken ct = default)
    {
        ArgumentException.ThrowIfNullOrEmpty(subject);
        return await WithConnectionAsync(connection => connection.ScalarAsync<long>("SELECT COUNT(*) FROM anomaly_episodes WHERE subject = @subject AND last_at >= @quietSince;",
            new { subject, quietSince = D.Time(at - quietPeriod) }, null, ct), ct).ConfigureAwait(false) > 0;
    }
}
