namespace Bastion.Core.Store.Sql;

public abstract partial class SqlStore
{
    public Task SetTotpCredentialAsync(long userId, byte[] encryptedSecret, CancellationToken ct = default)
    {
        ArgumentNullException.ThrowIfNull(encryptedSecret);
        return RefusingAsync(() => RunAsync(
                "INSERT INTO totp_credentials (user_id, secret_ciphertext, created_at, last_step) VALUES (@userId, @encryptedSecret, @created, 0) " +
                "ON CONFLICT (user_id) DO UPDATE SET secret_ciphertext = excluded.secret_ciphertext, created_at = excluded.created_at, last_step = 0;",
                new { userId, encryptedSecret, created = D.Time(Now) }, ct),
            null, () => new EntityNotFoundException($"no user with id {userId}; the user may have been deleted meanwhile"));
    }

    public Task<TotpCredential?> GetTotpCredentialAsync(long userId, CancellationToken ct = default) =>
        WithConnectionAsync(connection => connection.FirstAsync("SELECT user_id, secret_ciphertext, created_at, last_step FROM totp_credentials WHERE user_id = @userId;",
            new { userId }, null, r => new TotpCredential(r.GetInt64(0), r.GetFieldValue<byte[]>(1), D.ReadTime(r, 2), r.GetInt64(3)), ct), ct);

    public async Task<bool> TryAdvanceTotpStepAsync(long userId, long step, CancellationToken ct = default) =>
        // One conditional statement, so of all processes and nodes presenting one step exactly one changes the row:
        // SQLite runs it under its write lock; PostgreSQL makes a racing UPDATE wait for the row lock and re-check
        // last_step against the committed value (READ COMMITTED re-evaluation).
        await RunAsync("UPDATE totp_credentials SET last_step = @step WHERE user_id = @userId AND last_step < @step;", new { step, userId }, ct).ConfigureAwait(false) == 1;

    public async Task<bool> RemoveTotpCredentialAsync(long userId, CancellationToken ct = default) =>
        await RunAsync("DELETE FROM totp_credentials WHERE user_id = @userId;", new { userId }, ct).ConfigureAwait(false) > 0;

    public Task<IReadOnlyDictionary<long, Enrolment>> ListEnrolmentsAsync(CancellationToken ct = default) => WithConnectionAsync<IReadOnlyDictionary<long, Enrolment>>(async connection =>
    {
        var keys = (await connection.ValuesAsync<(long UserId, string KeyType)>("SELECT user_id, key_type FROM ssh_keys ORDER BY id;", null, null, ct).ConfigureAwait(false))
            .ToLookup(k => k.UserId, k => k.KeyType);
        var totp = (await connection.ValuesAsync<long>("SELECT user_id FROM totp_credentials;", null, null, ct).ConfigureAwait(false)).ToHashSet();
        var webAuthn = (await connection.ListAsync("SELECT user_id, COUNT(*) FROM webauthn_credentials GROUP BY user_id;", null, null,
            r => (UserId: r.GetInt64(0), Count: Convert.ToInt32(r.GetValue(1))), ct).ConfigureAwait(false)).ToDictionary(w => w.UserId, w => w.Count);
        return keys.Select(k => k.Key).Concat(totp).Concat(webAuthn.Keys).Distinct().ToDictionary(
            id => id,
            id => new Enrolment(keys[id].ToList(), totp.Contains(id), webAuthn.GetValueOrDefault(id)));
    }, ct);
}
