using Microsoft.Data.Sqlite;

namespace Bastion.Core.Store.Sqlite;

public sealed partial class SqliteStore
{
    private const string InviteColumns = "id, user_id, token_hash, created_at, expires_at, created_by, used_at";
    private const string CredentialColumns =
        "id, user_id, credential_id, public_key, sign_count, nickname, attestation_format, aaguid, transports, created_at, last_used_at";

    /// <inheritdoc />
    public async Task<IReadOnlyList<string>> GetRolesAsync(long userId, CancellationToken ct = default)
    {
        await using var connection = await OpenConnectionAsync(ct).ConfigureAwait(false);
        using var query = connection.Command("SELECT role FROM user_roles WHERE user_id = @user ORDER BY role;").Add("@user", userId);
        using var reader = await query.ExecuteReaderAsync(ct).ConfigureAwait(false);
        var roles = new List<string>();
        while (await reader.ReadAsync(ct).ConfigureAwait(false))
        {
            roles.Add(reader.GetString(0));
        }
        return roles;
    }

    /// <inheritdoc />
    public async Task SetRolesAsync(long userId, IReadOnlyCollection<string> roles, CancellationToken ct = default)
    {
        ArgumentNullException.ThrowIfNull(roles);
        foreach (var role in roles)
        {
            AdminRoles.EnsureValid(role);
        }
        await using var connection = await OpenConnectionAsync(ct).ConfigureAwait(false);
        using var tx = BeginWrite(connection);
        await EnsureUserExistsAsync(connection, tx, userId, ct).ConfigureAwait(false);
        using (var delete = connection.Command("DELETE FROM user_roles WHERE user_id = @user;", tx).Add("@user", userId))
        {
            await delete.ExecuteNonQueryAsync(ct).ConfigureAwait(false);
        }
        foreach (var role in roles.Distinct(StringComparer.Ordinal))
        {
            using var insert = connection.Command("INSERT INTO user_roles (user_id, role) VALUES (@user, @role);", tx)
                .Add("@user", userId).Add("@role", role);
            await insert.ExecuteNonQueryAsync(ct).ConfigureAwait(false);
        }
        tx.Commit();
    }

    /// <inheritdoc />
    public async Task<AdminInvite> CreateInviteAsync(long userId, byte[] tokenHash, DateTimeOffset expiresAt, string createdBy, CancellationToken ct = default)
    {
        ArgumentNullException.ThrowIfNull(tokenHash);
        ArgumentException.ThrowIfNullOrEmpty(createdBy);
        if (tokenHash.Length != 32)
        {
            throw new ArgumentException("the token hash must be a 32-byte SHA-256", nameof(tokenHash));
        }
        await using var connection = await OpenConnectionAsync(ct).ConfigureAwait(false);
        using var tx = BeginWrite(connection);
        await EnsureUserExistsAsync(connection, tx, userId, ct).ConfigureAwait(false);
        using (var withdraw = connection.Command("DELETE FROM admin_invites WHERE user_id = @user AND used_at IS NULL;", tx).Add("@user", userId))
        {
            await withdraw.ExecuteNonQueryAsync(ct).ConfigureAwait(false);
        }
        using (var insert = connection.Command(
                   "INSERT INTO admin_invites (user_id, token_hash, created_at, expires_at, created_by) VALUES (@user, @hash, @created, @expires, @by);", tx))
        {
            insert.Add("@user", userId).Add("@hash", tokenHash).Add("@created", SqliteValues.Time(Now))
                .Add("@expires", SqliteValues.Time(expiresAt)).Add("@by", createdBy);
            await insert.ExecuteNonQueryAsync(ct).ConfigureAwait(false);
        }
        var stored = await ReadInviteAsync(connection, tx, tokenHash, ct).ConfigureAwait(false);
        tx.Commit();
        return stored!;
    }

    /// <inheritdoc />
    public async Task<AdminInvite?> FindInviteAsync(byte[] tokenHash, CancellationToken ct = default)
    {
        ArgumentNullException.ThrowIfNull(tokenHash);
        await using var connection = await OpenConnectionAsync(ct).ConfigureAwait(false);
        return await ReadInviteAsync(connection, null, tokenHash, ct).ConfigureAwait(false);
    }

    /// <inheritdoc />
    public async Task<bool> TryRedeemInviteAsync(long inviteId, CancellationToken ct = default)
    {
        await using var connection = await OpenConnectionAsync(ct).ConfigureAwait(false);
        // Fixed-width UTC text compares like the times it encodes. One statement: exactly one racer changes the row.
        var now = SqliteValues.Time(Now);
        using var update = connection.Command(
                "UPDATE admin_invites SET used_at = @now WHERE id = @id AND used_at IS NULL AND expires_at > @now;")
            .Add("@now", now).Add("@id", inviteId);
        return await update.ExecuteNonQueryAsync(ct).ConfigureAwait(false) == 1;
    }

    /// <inheritdoc />
    public async Task<WebAuthnCredential> AddWebAuthnCredentialAsync(NewWebAuthnCredential credential, CancellationToken ct = default)
    {
        ArgumentNullException.ThrowIfNull(credential);
        credential.Validate();
        await using var connection = await OpenConnectionAsync(ct).ConfigureAwait(false);
        using var tx = BeginWrite(connection);
        await EnsureUserExistsAsync(connection, tx, credential.UserId, ct).ConfigureAwait(false);
        if (await ReadCredentialAsync(connection, tx, "credential_id = @key", credential.CredentialId, ct).ConfigureAwait(false) is not null)
        {
            throw new StoreConflictException("this security key is already registered; each key can be registered once");
        }
        using (var insert = connection.Command(
                   "INSERT INTO webauthn_credentials (user_id, credential_id, public_key, sign_count, nickname, attestation_format, aaguid, transports, created_at) " +
                   "VALUES (@user, @cid, @pk, @count, @nick, @fmt, @aaguid, @transports, @created);", tx))
        {
            insert.Add("@user", credential.UserId).Add("@cid", credential.CredentialId).Add("@pk", credential.PublicKey)
                .Add("@count", credential.SignatureCounter).Add("@nick", credential.Nickname).Add("@fmt", credential.AttestationFormat)
                .Add("@aaguid", credential.AaGuid.ToString("D")).Add("@transports", credential.Transports).Add("@created", SqliteValues.Time(Now));
            await insert.ExecuteNonQueryAsync(ct).ConfigureAwait(false);
        }
        var stored = await ReadCredentialAsync(connection, tx, "credential_id = @key", credential.CredentialId, ct).ConfigureAwait(false);
        tx.Commit();
        return stored!;
    }

    /// <inheritdoc />
    public async Task<IReadOnlyList<WebAuthnCredential>> ListWebAuthnCredentialsAsync(long userId, CancellationToken ct = default)
    {
        await using var connection = await OpenConnectionAsync(ct).ConfigureAwait(false);
        using var query = connection.Command($"SELECT {CredentialColumns} FROM webauthn_credentials WHERE user_id = @user ORDER BY id;").Add("@user", userId);
        using var reader = await query.ExecuteReaderAsync(ct).ConfigureAwait(false);
        var list = new List<WebAuthnCredential>();
        while (await reader.ReadAsync(ct).ConfigureAwait(false))
        {
            list.Add(MapCredential(reader));
        }
        return list;
    }

    /// <inheritdoc />
    public async Task<WebAuthnCredential?> FindWebAuthnCredentialAsync(byte[] credentialId, CancellationToken ct = default)
    {
        ArgumentNullException.ThrowIfNull(credentialId);
        await using var connection = await OpenConnectionAsync(ct).ConfigureAwait(false);
        return await ReadCredentialAsync(connection, null, "credential_id = @key", credentialId, ct).ConfigureAwait(false);
    }

    /// <inheritdoc />
    public async Task<bool> TryRecordWebAuthnUseAsync(long credentialId, uint counter, CancellationToken ct = default)
    {
        await using var connection = await OpenConnectionAsync(ct).ConfigureAwait(false);
        using var update = connection.Command(
                "UPDATE webauthn_credentials SET sign_count = @count, last_used_at = @now " +
                "WHERE id = @id AND (sign_count < @count OR (sign_count = 0 AND @count = 0));")
            .Add("@count", (long)counter).Add("@now", SqliteValues.Time(Now)).Add("@id", credentialId);
        return await update.ExecuteNonQueryAsync(ct).ConfigureAwait(false) == 1;
    }

    /// <inheritdoc />
    public async Task<bool> RemoveWebAuthnCredentialAsync(long userId, long credentialId, CancellationToken ct = default)
    {
        await using var connection = await OpenConnectionAsync(ct).ConfigureAwait(false);
        using var delete = connection.Command("DELETE FROM webauthn_credentials WHERE id = @id AND user_id = @user;")
            .Add("@id", credentialId).Add("@user", userId);
        return await delete.ExecuteNonQueryAsync(ct).ConfigureAwait(false) > 0;
    }

    /// <inheritdoc />
    public async Task SetPendingTotpAsync(long userId, byte[] encryptedSecret, CancellationToken ct = default)
    {
        ArgumentNullException.ThrowIfNull(encryptedSecret);
        await using var connection = await OpenConnectionAsync(ct).ConfigureAwait(false);
        using var upsert = connection.Command(
                "INSERT INTO pending_totp (user_id, secret_ciphertext, created_at) VALUES (@user, @secret, @created) " +
                "ON CONFLICT (user_id) DO UPDATE SET secret_ciphertext = excluded.secret_ciphertext, created_at = excluded.created_at;")
            .Add("@user", userId).Add("@secret", encryptedSecret).Add("@created", SqliteValues.Time(Now));
        try
        {
            await upsert.ExecuteNonQueryAsync(ct).ConfigureAwait(false);
        }
        catch (SqliteException ex) when (ex.IsConstraintViolation())
        {
            throw new EntityNotFoundException($"no user with id {userId}; the user may have been deleted meanwhile");
        }
    }

    /// <inheritdoc />
    public async Task<PendingTotp?> GetPendingTotpAsync(long userId, CancellationToken ct = default)
    {
        await using var connection = await OpenConnectionAsync(ct).ConfigureAwait(false);
        using var query = connection.Command("SELECT user_id, secret_ciphertext, created_at FROM pending_totp WHERE user_id = @user;").Add("@user", userId);
        using var reader = await query.ExecuteReaderAsync(ct).ConfigureAwait(false);
        return await reader.ReadAsync(ct).ConfigureAwait(false)
            ? new PendingTotp(reader.GetInt64(0), reader.ReadBytes(1), reader.ReadTime(2))
            : null;
    }

    /// <inheritdoc />
    public async Task<bool> RemovePendingTotpAsync(long userId, CancellationToken ct = default)
    {
        await using var connection = await OpenConnectionAsync(ct).ConfigureAwait(false);
        using var delete = connection.Command("DELETE FROM pending_totp WHERE user_id = @user;").Add("@user", userId);
        return await delete.ExecuteNonQueryAsync(ct).ConfigureAwait(false) > 0;
    }

    private static async Task EnsureUserExistsAsync(SqliteConnection connection, SqliteTransaction tx, long userId, CancellationToken ct)
    {
        using var query = connection.Command("SELECT COUNT(*) FROM users WHERE id = @id;", tx).Add("@id", userId);
        if (Convert.ToInt64(await query.ExecuteScalarAsync(ct).ConfigureAwait(false)) == 0)
        {
            throw new EntityNotFoundException($"no user with id {userId}; the user may have been deleted meanwhile");
        }
    }

    private static async Task<AdminInvite?> ReadInviteAsync(SqliteConnection connection, SqliteTransaction? tx, byte[] tokenHash, CancellationToken ct)
    {
        using var query = connection.Command($"SELECT {InviteColumns} FROM admin_invites WHERE token_hash = @hash;", tx).Add("@hash", tokenHash);
        using var reader = await query.ExecuteReaderAsync(ct).ConfigureAwait(false);
        return await reader.ReadAsync(ct).ConfigureAwait(false)
            ? new AdminInvite(reader.GetInt64(0), reader.GetInt64(1), reader.ReadBytes(2), reader.ReadTime(3), reader.ReadTime(4),
                reader.GetString(5), reader.ReadNullableTime(6))
            : null;
    }

    private static async Task<WebAuthnCredential?> ReadCredentialAsync(SqliteConnection connection, SqliteTransaction? tx, string where, object key, CancellationToken ct)
    {
        using var query = connection.Command($"SELECT {CredentialColumns} FROM webauthn_credentials WHERE {where};", tx).Add("@key", key);
        using var reader = await query.ExecuteReaderAsync(ct).ConfigureAwait(false);
        return await reader.ReadAsync(ct).ConfigureAwait(false) ? MapCredential(reader) : null;
    }

    private static WebAuthnCredential MapCredential(SqliteDataReader reader) => EntityRows.WebAuthnCredential(reader, SqliteValues.ReadTime);
}
