using Npgsql;

namespace Bastion.Core.Store.Postgres;

public sealed partial class PostgresStore
{
    /// <inheritdoc />
    public async Task SetTotpCredentialAsync(long userId, byte[] encryptedSecret, CancellationToken ct = default)
    {
        ArgumentNullException.ThrowIfNull(encryptedSecret);
        await using var connection = await OpenConnectionAsync(ct).ConfigureAwait(false);
        await using var upsert = connection.Command(
                "INSERT INTO totp_credentials (user_id, secret_ciphertext, created_at, last_step) VALUES (@user, @secret, @created, 0) " +
                "ON CONFLICT (user_id) DO UPDATE SET secret_ciphertext = excluded.secret_ciphertext, created_at = excluded.created_at, last_step = 0;")
            .Add("@user", userId).Add("@secret", encryptedSecret).Add("@created", PostgresValues.Time(Now));
        try
        {
            await upsert.ExecuteNonQueryAsync(ct).ConfigureAwait(false);
        }
        catch (PostgresException ex) when (ex.IsForeignKeyViolation())
        {
            throw new EntityNotFoundException($"no user with id {userId}; the user may have been deleted meanwhile");
        }
    }

    /// <inheritdoc />
    public async Task<TotpCredential?> GetTotpCredentialAsync(long userId, CancellationToken ct = default)
    {
        await using var connection = await OpenConnectionAsync(ct).ConfigureAwait(false);
        await using var query = connection.Command(
            "SELECT user_id, secret_ciphertext, created_at, last_step FROM totp_credentials WHERE user_id = @user;").Add("@user", userId);
        await using var reader = await query.ExecuteReaderAsync(ct).ConfigureAwait(false);
        return await reader.ReadAsync(ct).ConfigureAwait(false)
            ? new TotpCredential(reader.GetInt64(0), reader.ReadBytes(1), reader.ReadTime(2), reader.GetInt64(3))
            : null;
    }

    /// <inheritdoc />
    public async Task<bool> TryAdvanceTotpStepAsync(long userId, long step, CancellationToken ct = default)
    {
        await using var connection = await OpenConnectionAsync(ct).ConfigureAwait(false);
        // One conditional UPDATE: a racing node blocks on the row lock, then re-checks last_step against the
        // committed value (READ COMMITTED re-evaluation), so of all nodes presenting one step exactly one wins.
        await using var update = connection.Command(
                "UPDATE totp_credentials SET last_step = @step WHERE user_id = @user AND last_step < @step;")
            .Add("@step", step).Add("@user", userId);
        return await update.ExecuteNonQueryAsync(ct).ConfigureAwait(false) == 1;
    }

    /// <inheritdoc />
    public async Task<bool> RemoveTotpCredentialAsync(long userId, CancellationToken ct = default)
    {
        await using var connection = await OpenConnectionAsync(ct).ConfigureAwait(false);
        await using var delete = connection.Command("DELETE FROM totp_credentials WHERE user_id = @user;").Add("@user", userId);
        return await delete.ExecuteNonQueryAsync(ct).ConfigureAwait(false) > 0;
    }
}
