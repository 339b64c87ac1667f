using System.Globalization;
using System.Text;

namespace Bastion.Core.Store;

/// <summary>
/// <see cref="IAuthFailureStore"/> for both databases. Counting is one INSERT … ON CONFLICT DO UPDATE … RETURNING whose
/// SET expressions all read the row as it was: SQLite runs it under its write lock, PostgreSQL under the row lock,
/// so racing nodes count every failure and exactly one of them starts a lockout. Times are compared, never computed,
/// in SQL (the lockout ends are passed in), which keeps the statement the same on both databases.
/// </summary>
internal sealed class SqlAuthFailureStore(SqlAccess sql) : IAuthFailureStore
{
    // The row as it was before this failure (inside ON CONFLICT DO UPDATE).
    private const string Locked = "(auth_failures.locked_until IS NOT NULL AND auth_failures.locked_until > @at)";
    private const string Forgotten = "(auth_failures.last_failure_at < @memorySince)";
    private const string WindowOver = "(auth_failures.window_start < @windowSince OR " + Forgotten + ")";
    private const string Counted = "(CASE WHEN " + WindowOver + " THEN @amount ELSE auth_failures.failures + @amount END)";
    private const string Reaches = "(NOT " + Locked + " AND " + Counted + " >= @threshold)";
    private const string Level = "(CASE WHEN " + Forgotten + " THEN 0 ELSE auth_failures.lockouts END)";

    public async Task<AuthFailureState> RecordAuthFailureAsync(string subject, AuthFailureRule rule, DateTimeOffset at, int amount = 1, CancellationToken ct = default)
    {
        ArgumentException.ThrowIfNullOrEmpty(subject);
        ArgumentNullException.ThrowIfNull(rule);
        ArgumentOutOfRangeException.ThrowIfLessThan(amount, 1);
        if (rule.Lockouts.Count == 0)
        {
            throw new ArgumentException("a failure rule needs at least one lockout duration", nameof(rule));
        }
        var token = Guid.NewGuid().ToString("N");
        var parameters = new List<(string, object?)>
        {
            ("@subject", subject), ("@at", sql.Time(at)), ("@amount", amount), ("@threshold", rule.Threshold),
            ("@windowSince", sql.Time(at - rule.Window)), ("@memorySince", sql.Time(at - rule.Memory)),
            ("@expires", sql.Time(rule.ExpiresAfter(at))), ("@token", token),
        };
        for (var i = 0; i < rule.Lockouts.Count; i++)
        {
            parameters.Add(($"@until{i}", sql.Time(at + rule.Lockouts[i])));
        }
        await using var connection = await sql.OpenAsync(ct).ConfigureAwait(false);
        await using var upsert = SqlAccess.Command(connection, UpsertSql(rule.Lockouts.Count), [.. parameters]);
        await using var reader = await upsert.ExecuteReaderAsync(ct).ConfigureAwait(false);
        if (!await reader.ReadAsync(ct).ConfigureAwait(false))
        {
            throw new InvalidOperationException($"counting a failure of {subject} returned no row");
        }
        return new AuthFailureState(
            Convert.ToInt32(reader.GetValue(0), CultureInfo.InvariantCulture),
            reader.IsDBNull(1) ? null : sql.ReadTime(reader, 1),
            Convert.ToInt32(reader.GetValue(2), CultureInfo.InvariantCulture),
            !reader.IsDBNull(3) && reader.GetString(3) == token);
    }

    /// <summary>The upsert for a rule with <paramref name="levels"/> lockout durations (@until0 … @untilN-1).</summary>
    private static string UpsertSql(int levels)
    {
        // The end of the lockout this failure would start: by the number of lockouts before it, the last one repeating.
        var until = new StringBuilder(levels == 1 ? "@until0" : "(CASE");
        if (levels > 1)
        {
            for (var i = 0; i < levels - 1; i++)
            {
                until.Append(CultureInfo.InvariantCulture, $" WHEN {Level} = {i} THEN @until{i}");
            }
            until.Append(CultureInfo.InvariantCulture, $" ELSE @until{levels - 1} END)");
        }
        return
            "INSERT INTO auth_failures (subject, failures, window_start, locked_until, lockouts, lock_token, last_failure_at, expires_at) " +
            "VALUES (@subject, CASE WHEN @amount >= @threshold THEN 0 ELSE @amount END, @at, " +
            "CASE WHEN @amount >= @threshold THEN @until0 ELSE NULL END, CASE WHEN @amount >= @threshold THEN 1 ELSE 0 END, " +
            "CASE WHEN @amount >= @threshold THEN @token ELSE NULL END, @at, @expires) " +
            "ON CONFLICT (subject) DO UPDATE SET " +
            $"failures = CASE WHEN {Locked} THEN auth_failures.failures WHEN {Reaches} THEN 0 ELSE {Counted} END, " +
            $"window_start = CASE WHEN {Locked} THEN auth_failures.window_start WHEN {Reaches} OR {WindowOver} THEN @at ELSE auth_failures.window_start END, " +
            $"locked_until = CASE WHEN {Reaches} THEN {until} ELSE auth_failures.locked_until END, " +
            $"lockouts = CASE WHEN {Locked} THEN auth_failures.lockouts WHEN {Reaches} THEN {Level} + 1 ELSE {Level} END, " +
            $"lock_token = CASE WHEN {Reaches} THEN @token ELSE auth_failures.lock_token END, " +
            "last_failure_at = CASE WHEN auth_failures.last_failure_at < @at THEN @at ELSE auth_failures.last_failure_at END, " +
            "expires_at = CASE WHEN auth_failures.expires_at < @expires THEN @expires ELSE auth_failures.expires_at END " +
            "RETURNING failures, locked_until, lockouts, lock_token;";
    }

    public async Task<IReadOnlyList<AuthLockout>> GetAuthLockoutsAsync(IReadOnlyList<string> subjects, DateTimeOffset at, CancellationToken ct = default)
    {
        ArgumentNullException.ThrowIfNull(subjects);
        if (subjects.Count == 0)
        {
            return [];
        }
        var names = subjects.Select((_, i) => $"@s{i}").ToList();
        (string, object?)[] parameters = [("@at", sql.Time(at)), .. subjects.Select((s, i) => ((string, object?))($"@s{i}", s))];
        await using var connection = await sql.OpenAsync(ct).ConfigureAwait(false);
        await using var query = SqlAccess.Command(connection,
            $"SELECT subject, locked_until, lockouts FROM auth_failures WHERE subject IN ({string.Join(", ", names)}) AND locked_until > @at;", parameters);
        return await ReadLockoutsAsync(query, ct).ConfigureAwait(false);
    }

    public async Task ForgiveAuthFailuresAsync(string subject, int count, DateTimeOffset at, CancellationToken ct = default)
    {
        ArgumentException.ThrowIfNullOrEmpty(subject);
        if (count <= 0)
        {
            return;
        }
        await using var connection = await sql.OpenAsync(ct).ConfigureAwait(false);
        await using var update = SqlAccess.Command(connection,
            "UPDATE auth_failures SET failures = CASE WHEN failures > @count THEN failures - @count ELSE 0 END " +
            "WHERE subject = @subject AND (locked_until IS NULL OR locked_until <= @at);",
            ("@count", count), ("@subject", subject), ("@at", sql.Time(at)));
        await update.ExecuteNonQueryAsync(ct).ConfigureAwait(false);
    }

    public async Task<IReadOnlyList<AuthLockout>> ListAuthLockoutsAsync(DateTimeOffset at, CancellationToken ct = default)
    {
        await using var connection = await sql.OpenAsync(ct).ConfigureAwait(false);
        await using var query = SqlAccess.Command(connection,
            "SELECT subject, locked_until, lockouts FROM auth_failures WHERE locked_until > @at ORDER BY locked_until DESC, subject;", ("@at", sql.Time(at)));
        return await ReadLockoutsAsync(query, ct).ConfigureAwait(false);
    }

    public async Task<bool> ClearAuthFailuresAsync(string subject, CancellationToken ct = default)
    {
        ArgumentException.ThrowIfNullOrEmpty(subject);
        await using var connection = await sql.OpenAsync(ct).ConfigureAwait(false);
        await using var delete = SqlAccess.Command(connection, "DELETE FROM auth_failures WHERE subject = @subject;", ("@subject", subject));
        return await delete.ExecuteNonQueryAsync(ct).ConfigureAwait(false) > 0;
    }

    public async Task<int> PurgeAuthFailuresAsync(DateTimeOffset at, CancellationToken ct = default)
    {
        await using var connection = await sql.OpenAsync(ct).ConfigureAwait(false);
        await using var delete = SqlAccess.Command(connection, "DELETE FROM auth_failures WHERE expires_at < @at;", ("@at", sql.Time(at)));
        return await delete.ExecuteNonQueryAsync(ct).ConfigureAwait(false);
    }

    private async Task<IReadOnlyList<AuthLockout>> ReadLockoutsAsync(System.Data.Common.DbCommand query, CancellationToken ct)
    {
        await using var reader = await query.ExecuteReaderAsync(ct).ConfigureAwait(false);
        var lockouts = new List<AuthLockout>();
        while (await reader.ReadAsync(ct).ConfigureAwait(false))
        {
            lockouts.Add(new AuthLockout(reader.GetString(0), sql.ReadTime(reader, 1), Convert.ToInt32(reader.GetValue(2), CultureInfo.InvariantCulture)));
        }
        return lockouts;
    }
}
