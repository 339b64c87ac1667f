using System.Globalization;
using System.Text;
using Dapper;

namespace Bastion.Core.Store.Sql;

public abstract partial class SqlStore
{
    // Counting a failure is one INSERT … ON CONFLICT DO UPDATE … RETURNING whose SET expressions all read the row as it
    // was: SQLite runs it under its write lock, PostgreSQL under the row lock, so racing nodes count every failure and
    // exactly one of them starts a lockout. Times are compared, never computed, in SQL (the lockout ends are passed in),
    // which keeps the statement the same on both databases.
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
        var args = new DynamicParameters(new
        {
            subject, at = D.Time(at), amount, threshold = rule.Threshold, windowSince = D.Time(at - rule.Window), memorySince = D.Time(at - rule.Memory),
            expires = D.Time(rule.ExpiresAfter(at)), token,
        });
        for (var i = 0; i < rule.Lockouts.Count; i++)
        {
            args.Add($"until{i}", D.Time(at + rule.Lockouts[i]));
        }
        return (await WithConnectionAsync(connection => connection.FirstAsync(AuthFailureUpsertSql(rule.Lockouts.Count), args, null,
                r => new AuthFailureState(Convert.ToInt32(r.GetValue(0), CultureInfo.InvariantCulture), D.ReadNullableTime(r, 1),
                    Convert.ToInt32(r.GetValue(2), CultureInfo.InvariantCulture), !r.IsDBNull(3) && r.GetString(3) == token), ct), ct).ConfigureAwait(false))
            ?? throw new InvalidOperationException($"counting a failure of {subject} returned no row");
    }

    /// <summary>The upsert for a rule with <paramref name="levels"/> lockout durations (@until0 … @untilN-1).</summary>
    private static string AuthFailureUpsertSql(int levels)
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

    public Task<IReadOnlyList<AuthLockout>> GetAuthLockoutsAsync(IReadOnlyList<string> subjects, DateTimeOffset at, CancellationToken ct = default)
    {
        ArgumentNullException.ThrowIfNull(subjects);
        if (subjects.Count == 0)
        {
            return Task.FromResult<IReadOnlyList<AuthLockout>>([]);
        }
        var args = new DynamicParameters(new { at = D.Time(at) });
        var names = Db.InList(args, "s", subjects);
        return ReadLockoutsAsync($"SELECT subject, locked_until, lockouts FROM auth_failures WHERE subject IN ({names}) AND locked_until > @at;", args, ct);
    }

    public Task ForgiveAuthFailuresAsync(string subject, int count, DateTimeOffset at, CancellationToken ct = default)
    {
        ArgumentException.ThrowIfNullOrEmpty(subject);
        return count <= 0
            ? Task.CompletedTask
            : RunAsync("UPDATE auth_failures SET failures = CASE WHEN failures > @count THEN failures - @count ELSE 0 END " +
                "WHERE subject = @subject AND (locked_until IS NULL OR locked_until <= @at);", new { count, subject, at = D.Time(at) }, ct);
    }

    public Task<IReadOnlyList<AuthLockout>> ListAuthLockoutsAsync(DateTimeOffset at, CancellationToken ct = default) =>
        ReadLockoutsAsync("SELECT subject, locked_until, lockouts FROM auth_failures WHERE locked_until > @at ORDER BY locked_until DESC, subject;", new { at = D.Time(at) }, ct);

    public async Task<bool> ClearAuthFailuresAsync(string subject, CancellationToken ct = default)
    {
        ArgumentException.ThrowIfNullOrEmpty(subject);
        return await RunAsync("DELETE FROM auth_failures WHERE subject = @subject;", new { subject }, ct).ConfigureAwait(false) > 0;
    }

    public Task<int> PurgeAuthFailuresAsync(DateTimeOffset at, CancellationToken ct = default) =>
        RunAsync("DELETE FROM auth_failures WHERE expires_at < @at;", new { at = D.Time(at) }, ct);

    private Task<IReadOnlyList<AuthLockout>> ReadLockoutsAsync(string sql, object args, CancellationToken ct) =>
        WithConnectionAsync(connection => connection.ListAsync(sql, args, null,
            r => new AuthLockout(r.GetString(0), D.ReadTime(r, 1), Convert.ToInt32(r.GetValue(2), CultureInfo.InvariantCulture)), ct), ct);
}
