using Npgsql;

namespace Bastion.Core.Store.Postgres;

public sealed partial class PostgresStore
{
    private const string InviteColumns = "id, user_id, token_hash, created_at, expires_at, created_by, used_at";
    private const string CredentialColumns =
        "id, user_id, credential_id, public_key, sign_count, nickname, attestation_format, aaguid, transports, created_at, last_used_at";

    /// <inheritdoc />
    public async Task<IReadOnlyList<string>> GetRolesAsync(long userId, CancellationToken ct = default)
    {
        await using var connection = await OpenConnectionAsync(ct).ConfigureAwait(false);
        await using var query = connection.Command("SELECT role FROM user_roles WHERE user_id = @user ORDER BY role;").Add("@user", userId);
        await using var reader = await query.ExecuteReaderAsync(ct).ConfigureAwait(false);
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
        await using var tx = await connection.BeginTransactionAsync(ct).ConfigureAwait(false);
        // The user's row lock serializes two nodes replacing the same user's roles.
        await LockUserAsync(connection, tx, userId, ct).ConfigureAwait(false);
        await using (var delete = connection.Command("DELETE FROM user_roles WHERE user_id = @user;", tx).Add("@user", userId))
        {
            await delete.ExecuteNonQueryAsync(ct).ConfigureAwait(false);
        }
        var distinct = roles.Distinct(StringComparer.Ordinal).ToArray();
        if (distinct.Length > 0)
        {
            await using var insert = connection.Command("INSERT INTO user_roles (user_id, role) SELECT @user, unnest(@roles::text[]);", tx)
                .Add("@user", userId).Add("@roles", distinct);
            await insert.ExecuteNonQueryAsync(ct).ConfigureAwait(false);
        }
        await tx.CommitAsync(ct).ConfigureAwait(false);
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
        await using var tx = await connection.BeginTransactionAsync(ct).ConfigureAwait(false);
        // Locked, so two nodes inviting the same user at once still leave exactly one open invite.
        await LockUserAsync(connection, tx, userId, ct).ConfigureAwait(false);
        await using (var withdraw = connection.Command("DELETE FROM admin_invites WHERE user_id = @user AND used_at IS NULL;", tx).Add("@user", userId))
        {
            await withdraw.ExecuteNonQueryAsync(ct).ConfigureAwait(false);
        }
        await using (var insert = connection.Command(
                         "INSERT INTO admin_invites (user_id, token_hash, created_at, expires_at, created_by) VALUES (@user, @hash, @created, @expires, @by);", tx))
        {
            insert.Add("@user", userId).Add("@hash", tokenHash).Add("@created", PostgresValues.Time(Now))
                .Add("@expires", PostgresValues.Time(expiresAt)).Add("@by", createdBy);
            await insert.ExecuteNonQueryAsync(ct).ConfigureAwait(false);
        }
        var stored = await ReadInviteAsync(connection, tx, tokenHash, ct).ConfigureAwait(false);
        await tx.CommitAsync(ct).ConfigureAwait(false);
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
        // One statement: exactly one racer, on any node, changes the row.
        await using var update = connection.Command(
                "UPDATE admin_invites SET used_at = @now WHERE id = @id AND used_at IS NULL AND expires_at > @now;")
            .Add("@now", PostgresValues.Time(Now)).Add("@id", inviteId);
        return await update.ExecuteNonQueryAsync(ct).ConfigureAwait(false) == 1;
    }

    /// <inheritdoc />
    public async Task<WebAuthnCredential> AddWebAuthnCredentialAsync(NewWebAuthnCredential credential, CancellationToken ct = default)
    {
        ArgumentNullException.ThrowIfNull(credential);
        credential.Validate();
        const string conflict = "this security key is already registered; each key can be registered once";
        await using var connection = await OpenConnectionAsync(ct).ConfigureAwait(false);
        await using var tx = await connection.BeginTransactionAsync(ct).ConfigureAwait(false);
        await LockUserAsync(connection, tx, credential.UserId, ct).ConfigureAwait(false);
        if (await ReadCredentialAsync(connection, tx, "credential_id = @key", credential.CredentialId, ct).ConfigureAwait(false) is not null)
        {
            throw new StoreConflictException(conflict);
        }
        await using (var insert = connection.Command(
                         "INSERT INTO webauthn_credentials (user_id, credential_id, public_key, sign_count, nickname, attestation_format, aaguid, transports, created_at) " +
                         "VALUES (@user, @cid, @pk, @count, @nick, @fmt, @aaguid, @transports, @created);", tx))
        {
            insert.Add("@user", credential.UserId).Add("@cid", credential.CredentialId).Add("@pk", credential.PublicKey)
                .Add("@count", credential.SignatureCounter).Add("@nick", credential.Nickname).Add("@fmt", credential.AttestationFormat)
                .Add("@aaguid", credential.AaGuid).Add("@transports", credential.Transports).Add("@created", PostgresValues.Time(Now));
            try
            {
                await insert.ExecuteNonQueryAsync(ct).ConfigureAwait(false);
            }
            catch (PostgresException ex) when (ex.IsUniqueViolation())
            {
                throw new StoreConflictException(conflict);
            }
        }
        var stored = await ReadCredentialAsync(connection, tx, "credential_id = @key", credential.CredentialId, ct).ConfigureAwait(false);
        await tx.CommitAsync(ct).ConfigureAwait(false);
        return stored!;
    }

    /// <inheritdoc />
    public async Task<IReadOnlyList<WebAuthnCredential>> ListWebAuthnCredentialsAsync(long userId, CancellationToken ct = default)
    {
        await using var connection = await OpenConnectionAsync(ct).ConfigureAwait(false);
        await using var query = connection.Command($"SELECT {CredentialColumns} FROM webauthn_credentials WHERE user_id = @user ORDER BY id;").Add("@user", userId);
        await using var reader = await query.ExecuteReaderAsync(ct).ConfigureAwait(false);
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
        // One conditional UPDATE, re-checked after the row lock: a replayed counter loses on every node.
        await using var update = connection.Command(
                "UPDATE webauthn_credentials SET sign_count = @count, last_used_at = @now " +
                "WHERE id = @id AND (sign_count < @count OR (sign_count = 0 AND @count = 0));")
            .Add("@count", (long)counter).Add("@now", PostgresValues.Time(Now)).Add("@id", credentialId);
        return await update.ExecuteNonQueryAsync(ct).ConfigureAwait(false) == 1;
    }

    /// <inheritdoc />
    public async Task<bool> RemoveWebAuthnCredentialAsync(long userId, long credentialId, CancellationToken ct = default)
    {
        await using var connection = await OpenConnectionAsync(ct).ConfigureAwait(false);
        await using var delete = connection.Command("DELETE FROM webauthn_credentials WHERE id = @id AND user_id = @user;")
            .Add("@id", credentialId).Add("@user", userId);
        return await delete.ExecuteNonQueryAsync(ct).ConfigureAwait(false) > 0;
    }

    /// <inheritdoc />
    public async Task SetPendingTotpAsync(long userId, byte[] encryptedSecret, CancellationToken ct = default)
    {
        ArgumentNullException.ThrowIfNull(encryptedSecret);
        await using var connection = await OpenConnectionAsync(ct).ConfigureAwait(false);
        await using var upsert = connection.Command(
                "INSERT INTO pending_totp (user_id, secret_ciphertext, created_at) VALUES (@user, @secret, @created) " +
                "ON CONFLICT (user_id) DO UPDATE SET secret_ciphertext = excluded.secret_ciphertext, created_at = excluded.created_at;")
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
    public async Task<PendingTotp?> GetPendingTotpAsync(long userId, CancellationToken ct = default)
    {
        await using var connection = await OpenConnectionAsync(ct).ConfigureAwait(false);
        await using var query = connection.Command("SELECT user_id, secret_ciphertext, created_at FROM pending_totp WHERE user_id = @user;").Add("@user", userId);
        await using var reader = await query.ExecuteReaderAsync(ct).ConfigureAwait(false);
        return await reader.ReadAsync(ct).ConfigureAwait(false)
            ? new PendingTotp(reader.GetInt64(0), reader.ReadBytes(1), reader.ReadTime(2))
            : null;
    }

    /// <inheritdoc />
    public async Task<bool> RemovePendingTotpAsync(long userId, CancellationToken ct = default)
    {
        await using var connection = await OpenConnectionAsync(ct).ConfigureAwait(false);
        await using var delete = connection.Command("DELETE FROM pending_totp WHERE user_id = @user;").Add("@user", userId);
        return await delete.ExecuteNonQueryAsync(ct).ConfigureAwait(false) > 0;
    }

    private static async Task<AdminInvite?> ReadInviteAsync(NpgsqlConnection connection, NpgsqlTransaction? tx, byte[] tokenHash, CancellationToken ct)
    {
        await using var query = connection.Command($"SELECT {InviteColumns} FROM admin_invites WHERE token_hash = @hash;", tx).Add("@hash", tokenHash);
        await using var reader = await query.ExecuteReaderAsync(ct).ConfigureAwait(false);
        return await reader.ReadAsync(ct).ConfigureAwait(false)
            ? new AdminInvite(reader.GetInt64(0), reader.GetInt64(1), reader.ReadBytes(2), reader.ReadTime(3), reader.ReadTime(4),
                reader.GetString(5), reader.ReadNullableTime(6))
            : null;
    }

    private static async Task<WebAuthnCredential?> ReadCredentialAsync(NpgsqlConnection connection, NpgsqlTransaction? tx, string where, object key, CancellationToken ct)
    {
        await using var query = connection.Command($"SELECT {CredentialColumns} FROM webauthn_credentials WHERE {where};", tx).Add("@key", key);
        await using var reader = await query.ExecuteReaderAsync(ct).ConfigureAwait(false);
        return await reader.ReadAsync(ct).ConfigureAwait(false) ? MapCredential(reader) : null;
    }

    private static WebAuthnCredential MapCredential(NpgsqlDataReader reader) => EntityRows.WebAuthnCredential(reader, PostgresValues.ReadTime);
}
