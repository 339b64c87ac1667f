namespace Bastion.Core.Store;

/// <summary><see cref="ITotpStore"/> for both databases: each method is one statement.</summary>
internal sealed class SqlTotpStore(SqlAccess sql) : ITotpStore
{
    public async Task SetTotpCredentialAsync(long userId, byte[] encryptedSecret, CancellationToken ct = default)
    {
        ArgumentNullException.ThrowIfNull(encryptedSecret);
        await using var connection = await sql.OpenAsync(ct).ConfigureAwait(false);
        await using var upsert = SqlAccess.Command(connection,
            "INSERT INTO totp_credentials (user_id, secret_ciphertext, created_at, last_step) VALUES (@user, @secret, @created, 0) " +
            "ON CONFLICT (user_id) DO UPDATE SET secret_ciphertext = excluded.secret_ciphertext, created_at = excluded.created_at, last_step = 0;",
            ("@user", userId), ("@secret", encryptedSecret), ("@created", sql.Time(sql.Clock.GetUtcNow())));
        try
        {
            await upsert.ExecuteNonQueryAsync(ct).ConfigureAwait(false);
        }
        catch (Exception ex) when (sql.IsForeignKeyViolation(ex))
        {
            throw new EntityNotFoundException($"no user with id {userId}; the user may have been deleted meanwhile");
        }
    }

    public async Task<TotpCredential?> GetTotpCredentialAsync(long userId, CancellationToken ct = default)
    {
        await using var connection = await sql.OpenAsync(ct).ConfigureAwait(false);
        await using var query = SqlAccess.Command(connection,
            "SELECT user_id, secret_ciphertext, created_at, last_step FROM totp_credentials WHERE user_id = @user;", ("@user", userId));
        await using var reader = await query.ExecuteReaderAsync(ct).ConfigureAwait(false);
        return await reader.ReadAsync(ct).ConfigureAwait(false)
            ? new TotpCredential(reader.GetInt64(0), reader.GetFieldValue<byte[]>(1), sql.ReadTime(reader, 2), reader.GetInt64(3))
            : null;
    }

    public async Task<bool> TryAdvanceTotpStepAsync(long userId, long step, CancellationToken ct = default)
    {
        await using var connection = await sql.OpenAsync(ct).ConfigureAwait(false);
        // One conditional statement, so of all processes and nodes presenting one step exactly one changes the row:
        // SQLite runs it under its write lock; PostgreSQL makes a racing UPDATE wait for the row lock and re-check
        // last_step against the committed value (READ COMMITTED re-evaluation).
        await using var update = SqlAccess.Command(connection,
            "UPDATE totp_credentials SET last_step = @step WHERE user_id = @user AND last_step < @step;", ("@step", step), ("@user", userId));
        return await update.ExecuteNonQueryAsync(ct).ConfigureAwait(false) == 1;
    }

    public async Task<bool> RemoveTotpCredentialAsync(long userId, CancellationToken ct = default)
    {
        await using var connection = await sql.OpenAsync(ct).ConfigureAwait(false);
        await using var delete = SqlAccess.Command(connection, "DELETE FROM totp_credentials WHERE user_id = @user;", ("@user", userId));
        return await delete.ExecuteNonQueryAsync(ct).ConfigureAwait(false) > 0;
    }
}
