namespace Bastion.Core.Store.Sqlite;

public sealed partial class SqliteStore
{
    /// <inheritdoc />
    public async Task<FirstSeenResult> TryRecordFirstSeenAsync(string user, string kind, string value, DateTimeOffset at, CancellationToken ct = default)
    {
        ArgumentException.ThrowIfNullOrEmpty(user);
        ArgumentException.ThrowIfNullOrEmpty(kind);
        ArgumentNullException.ThrowIfNull(value);
        await using var connection = await OpenConnectionAsync(ct).ConfigureAwait(false);
        // One write transaction for count and insert: the node that inserts the user's very first value of a kind
        // is the only one to see KnownBefore = 0.
        using var tx = BeginWrite(connection);
        int knownBefore;
        using (var count = connection.Command("SELECT COUNT(*) FROM anomaly_first_seen WHERE user_name = @user AND kind = @kind;", tx)
                   .Add("@user", user).Add("@kind", kind))
        {
            knownBefore = Convert.ToInt32(await count.ExecuteScalarAsync(ct).ConfigureAwait(false));
        }
        int inserted;
        using (var insert = connection.Command(
                   "INSERT INTO anomaly_first_seen (user_name, kind, value, first_seen_at) VALUES (@user, @kind, @value, @at) " +
                   "ON CONFLICT (user_name, kind, value) DO NOTHING;", tx)
                   .Add("@user", user).Add("@kind", kind).Add("@value", value).Add("@at", SqliteValues.Time(at)))
        {
            inserted = await insert.ExecuteNonQueryAsync(ct).ConfigureAwait(false);
        }
        tx.Commit();
        return inserted == 1 ? new FirstSeenResult(true, knownBefore) : new FirstSeenResult(false, knownBefore - 1);
    }

    /// <inheritdoc />
    public async Task<IReadOnlyList<long>> RecordLoginHourAsync(string user, int hour, CancellationToken ct = default)
    {
        ArgumentException.ThrowIfNullOrEmpty(user);
        ArgumentOutOfRangeException.ThrowIfNegative(hour);
        ArgumentOutOfRangeException.ThrowIfGreaterThan(hour, 23);
        await using var connection = await OpenConnectionAsync(ct).ConfigureAwait(false);
        using var tx = BeginWrite(connection);
        // The upsert first: its RETURNING value is decided under the row's lock, so of two nodes counting the same
        // new hour at once only one sees 1 (this matters for a port to PostgreSQL; SQLite serializes anyway).
        long thisHour;
        using (var upsert = connection.Command(
                   "INSERT INTO anomaly_login_hours (user_name, hour, logins) VALUES (@user, @hour, 1) " +
                   "ON CONFLICT (user_name, hour) DO UPDATE SET logins = anomaly_login_hours.logins + 1 RETURNING logins;", tx)
                   .Add("@user", user).Add("@hour", hour))
        {
            thisHour = Convert.ToInt64(await upsert.ExecuteScalarAsync(ct).ConfigureAwait(false));
        }
        var counts = new long[24];
        using (var read = connection.Command("SELECT hour, logins FROM anomaly_login_hours WHERE user_name = @user;", tx).Add("@user", user))
        using (var reader = await read.ExecuteReaderAsync(ct).ConfigureAwait(false))
        {
            while (await reader.ReadAsync(ct).ConfigureAwait(false))
            {
                counts[reader.GetInt32(0)] = reader.GetInt64(1);
            }
        }
        counts[hour] = thisHour - 1;
        tx.Commit();
        return counts;
    }

    /// <inheritdoc />
    public async Task<bool> TryStartEpisodeAsync(string subject, DateTimeOffset at, TimeSpan quietPeriod, CancellationToken ct = default)
    {
        ArgumentException.ThrowIfNullOrEmpty(subject);
        ArgumentOutOfRangeException.ThrowIfLessThan(quietPeriod, TimeSpan.Zero);
        var episodeId = Guid.NewGuid().ToString("N");
        await using var connection = await OpenConnectionAsync(ct).ConfigureAwait(false);
        // One statement decides: either our fresh episode id lands (new episode) or the running one is extended.
        // The SET expressions all read the row as it was before the update.
        using var upsert = connection.Command(
                "INSERT INTO anomaly_episodes (subject, episode_id, started_at, last_at) VALUES (@subject, @id, @at, @at) " +
                "ON CONFLICT (subject) DO UPDATE SET " +
                "episode_id = CASE WHEN anomaly_episodes.last_at < @quietSince THEN excluded.episode_id ELSE anomaly_episodes.episode_id END, " +
                "started_at = CASE WHEN anomaly_episodes.last_at < @quietSince THEN excluded.started_at ELSE anomaly_episodes.started_at END, " +
                "last_at = CASE WHEN anomaly_episodes.last_at < excluded.last_at THEN excluded.last_at ELSE anomaly_episodes.last_at END " +
                "RETURNING episode_id;")
            .Add("@subject", subject).Add("@id", episodeId).Add("@at", SqliteValues.Time(at))
            .Add("@quietSince", SqliteValues.Time(at - quietPeriod));
        var winner = (string?)await upsert.ExecuteScalarAsync(ct).ConfigureAwait(false);
        return winner == episodeId;
    }

    /// <inheritdoc />
    public async Task<bool> IsEpisodeRunningAsync(string subject, DateTimeOffset at, TimeSpan quietPeriod, CancellationToken ct = default)
    {
        ArgumentException.ThrowIfNullOrEmpty(subject);
        await using var connection = await OpenConnectionAsync(ct).ConfigureAwait(false);
        using var query = connection.Command("SELECT COUNT(*) FROM anomaly_episodes WHERE subject = @subject AND last_at >= @quietSince;")
            .Add("@subject", subject).Add("@quietSince", SqliteValues.Time(at - quietPeriod));
        return Convert.ToInt64(await query.ExecuteScalarAsync(ct).ConfigureAwait(false)) > 0;
    }
}
