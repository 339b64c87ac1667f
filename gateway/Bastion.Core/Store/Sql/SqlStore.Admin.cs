using System.Data.Common;

namespace Bastion.Core.Store.Sql;

public abstract partial class SqlStore
{
    private const string InviteColumns = "id, user_id, token_hash, created_at, expires_at, created_by, used_at";
    private const string CredentialColumns =
        "id, user_id, credential_id, public_key, sign_count, nickname, attestation_format, aaguid, transports, created_at, last_used_at";

    public Task<IReadOnlyList<string>> GetRolesAsync(long userId, CancellationToken ct = default) =>
        WithConnectionAsync(connection => connection.ValuesAsync<string>("SELECT role FROM user_roles WHERE user_id = @userId ORDER BY role;", new { userId }, null, ct), ct);

    public Task SetRolesAsync(long userId, IReadOnlyCollection<string> roles, CancellationToken ct = default)
    {
        ArgumentNullException.ThrowIfNull(roles);
        foreach (var role in roles)
        {
            AdminRoles.EnsureValid(role);
        }
        return WriteAsync(async (connection, tx) =>
        {
            // The user's row lock serializes two nodes replacing the same user's roles.
            await LockUserAsync(connection, tx, userId, ct).ConfigureAwait(false);
            await connection.RunAsync("DELETE FROM user_roles WHERE user_id = @userId;", new { userId }, tx, ct).ConfigureAwait(false);
            foreach (var role in roles.Distinct(StringComparer.Ordinal))
            {
                await connection.RunAsync("INSERT INTO user_roles (user_id, role) VALUES (@userId, @role);", new { userId, role }, tx, ct).ConfigureAwait(false);
            }
            return true;
        }, ct);
    }

    public Task<AdminInvite> CreateInviteAsync(long userId, byte[] tokenHash, DateTimeOffset expiresAt, string createdBy, CancellationToken ct = default)
    {
        ArgumentNullException.ThrowIfNull(tokenHash);
        ArgumentException.ThrowIfNullOrEmpty(createdBy);
        if (tokenHash.Length != 32)
        {
            throw new ArgumentException("the token hash must be a 32-byte SHA-256", nameof(tokenHash));
        }
        return WriteAsync(async (connection, tx) =>
        {
            // Locked, so two nodes inviting the same user at once still leave exactly one open invite.
            await LockUserAsync(connection, tx, userId, ct).ConfigureAwait(false);
            await connection.RunAsync("DELETE FROM admin_invites WHERE user_id = @userId AND used_at IS NULL;", new { userId }, tx, ct).ConfigureAwait(false);
            await connection.RunAsync(
                "INSERT INTO admin_invites (user_id, token_hash, created_at, expires_at, created_by) VALUES (@userId, @tokenHash, @created, @expires, @createdBy);",
                new { userId, tokenHash, created = D.Time(Now), expires = D.Time(expiresAt), createdBy }, tx, ct).ConfigureAwait(false);
            return (await ReadInviteAsync(connection, tx, tokenHash, ct).ConfigureAwait(false))!;
        }, ct);
    }

    public Task<AdminInvite?> FindInviteAsync(byte[] tokenHash, CancellationToken ct = default)
    {
        ArgumentNullException.ThrowIfNull(tokenHash);
        return WithConnectionAsync(connection => ReadInviteAsync(connection, null, tokenHash, ct), ct);
    }

    public Task<IReadOnlyList<AdminInvite>> ListOpenInvitesAsync(CancellationToken ct = default) =>
        WithConnectionAsync(connection => connection.ListAsync($"SELECT {InviteColumns} FROM admin_invites WHERE used_at IS NULL AND expires_at > @now ORDER BY expires_at, id;",
            new { now = D.Time(Now) }, null, ReadInvite, ct), ct);

    public async Task<bool> TryRedeemInviteAsync(long inviteId, CancellationToken ct = default) =>
        // One statement: exactly one racer, in any process or node, changes the row.
        await RunAsync("UPDATE admin_invites SET used_at = @now WHERE id = @inviteId AND used_at IS NULL AND expires_at > @now;",
            new { now = D.Time(Now), inviteId }, ct).ConfigureAwait(false) == 1;

    public Task<WebAuthnCredential> AddWebAuthnCredentialAsync(NewWebAuthnCredential credential, CancellationToken ct = default)
    {
        ArgumentNullException.ThrowIfNull(credential);
        credential.Validate();
        const string conflict = "this security key is already registered; each key can be registered once";
        return WriteAsync(async (connection, tx) =>
        {
            await LockUserAsync(connection, tx, credential.UserId, ct).ConfigureAwait(false);
            if (await ReadCredentialAsync(connection, tx, "credential_id = @key", credential.CredentialId, ct).ConfigureAwait(false) is not null)
            {
                throw new StoreConflictException(conflict);
            }
            await RefusingAsync(() => connection.RunAsync(
                "INSERT INTO webauthn_credentials (user_id, credential_id, public_key, sign_count, nickname, attestation_format, aaguid, transports, created_at) " +
                "VALUES (@UserId, @CredentialId, @PublicKey, @SignatureCounter, @Nickname, @AttestationFormat, @aaguid, @Transports, @created);",
                new
                {
                    credential.UserId, credential.CredentialId, credential.PublicKey, credential.SignatureCounter, credential.Nickname,
                    credential.AttestationFormat, aaguid = D.Uuid(credential.AaGuid), credential.Transports, created = D.Time(Now),
                }, tx, ct), () => new StoreConflictException(conflict)).ConfigureAwait(false);
            return (await ReadCredentialAsync(connection, tx, "credential_id = @key", credential.CredentialId, ct).ConfigureAwait(false))!;
        }, ct);
    }

    public Task<IReadOnlyList<WebAuthnCredential>> ListWebAuthnCredentialsAsync(long userId, CancellationToken ct = default) =>
        WithConnectionAsync(connection => connection.ListAsync($"SELECT {CredentialColumns} FROM webauthn_credentials WHERE user_id = @userId ORDER BY id;", new { userId }, null,
            r => EntityRows.WebAuthnCredential(r, D.ReadTime), ct), ct);

    public Task<WebAuthnCredential?> FindWebAuthnCredentialAsync(byte[] credentialId, CancellationToken ct = default)
    {
        ArgumentNullException.ThrowIfNull(credentialId);
        return WithConnectionAsync(connection => ReadCredentialAsync(connection, null, "credential_id = @key", credentialId, ct), ct);
    }

    public async Task<bool> TryRecordWebAuthnUseAsync(long credentialId, uint counter, CancellationToken ct = default) =>
        // One conditional UPDATE (under SQLite's write lock, or re-checked after PostgreSQL's row lock): a replayed counter loses everywhere.
        await RunAsync("UPDATE webauthn_credentials SET sign_count = @count, last_used_at = @now WHERE id = @credentialId AND (sign_count < @count OR (sign_count = 0 AND @count = 0));",
            new { count = (long)counter, now = D.Time(Now), credentialId }, ct).ConfigureAwait(false) == 1;

    public async Task<bool> RemoveWebAuthnCredentialAsync(long userId, long credentialId, CancellationToken ct = default) =>
        await RunAsync("DELETE FROM webauthn_credentials WHERE id = @credentialId AND user_id = @userId;", new { credentialId, userId }, ct).ConfigureAwait(false) > 0;

    public Task SetPendingTotpAsync(long userId, byte[] encryptedSecret, CancellationToken ct = default)
    {
        ArgumentNullException.ThrowIfNull(encryptedSecret);
        return RefusingAsync(() => RunAsync(
                "INSERT INTO pending_totp (user_id, secret_ciphertext, created_at) VALUES (@userId, @encryptedSecret, @created) " +
                "ON CONFLICT (user_id) DO UPDATE SET secret_ciphertext = excluded.secret_ciphertext, created_at = excluded.created_at;",
                new { userId, encryptedSecret, created = D.Time(Now) }, ct),
            null, () => new EntityNotFoundException($"no user with id {userId}; the user may have been deleted meanwhile"));
    }

    public Task<PendingTotp?> GetPendingTotpAsync(long userId, CancellationToken ct = default) =>
        WithConnectionAsync(connection => connection.FirstAsync("SELECT user_id, secret_ciphertext, created_at FROM pending_totp WHERE user_id = @userId;", new { userId }, null,
            r => new PendingTotp(r.GetInt64(0), r.GetFieldValue<byte[]>(1), D.ReadTime(r, 2)), ct), ct);

    public async Task<bool> RemovePendingTotpAsync(long userId, CancellationToken ct = default) =>
        await RunAsync("DELETE FROM pending_totp WHERE user_id = @userId;", new { userId }, ct).ConfigureAwait(false) > 0;

    private Task<AdminInvite?> ReadInviteAsync(DbConnection connection, DbTransaction? tx, byte[] tokenHash, CancellationToken ct) =>
        connection.FirstAsync($"SELECT {InviteColumns} FROM admin_invites WHERE token_hash = @tokenHash;", new { tokenHash }, tx, ReadInvite, ct);

    private AdminInvite ReadInvite(DbDataReader r) =>
        new(r.GetInt64(0), r.GetInt64(1), r.GetFieldValue<byte[]>(2), D.ReadTime(r, 3), D.ReadTime(r, 4), r.GetString(5), D.ReadNullableTime(r, 6));

    private Task<WebAuthnCredential?> ReadCredentialAsync(DbConnection connection, DbTransaction? tx, string where, object key, CancellationToken ct) =>
        connection.FirstAsync($"SELECT {CredentialColumns} FROM webauthn_credentials WHERE {where};", new { key }, tx, r => EntityRows.WebAuthnCredential(r, D.ReadTime), ct);
}
