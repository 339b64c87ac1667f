using Bastion.Core.Keys;
using Npgsql;

namespace Bastion.Core.Store.Postgres;

public sealed partial class PostgresStore
{
    private const string KeyColumns = "id, user_id, public_key, key_type, fingerprint, comment, options, created_at, last_used_at, sk_counter, added_by, added_by_admin";

    /// <inheritdoc />
    public Task<SshKey> AddSshKeyAsync(string userName, AuthorizedKeyLine key, CancellationToken ct = default) =>
        AddSshKeyAsync(userName, key, null, ct);

    /// <inheritdoc />
    public async Task<SshKey> AddSshKeyAsync(string userName, AuthorizedKeyLine key, KeyEnroller? enrolledBy, CancellationToken ct = default)
    {
        ArgumentNullException.ThrowIfNull(key);
        await using var connection = await OpenConnectionAsync(ct).ConfigureAwait(false);
        await using var tx = await connection.BeginTransactionAsync(ct).ConfigureAwait(false);
        var userId = await FindUserIdAsync(connection, tx, userName, ct).ConfigureAwait(false)
                     ?? throw new EntityNotFoundException($"no user named \"{userName}\"; add the user before their keys");
        var existing = await ReadKeyAsync(connection, tx, "fingerprint = @key", key.Fingerprint, ct).ConfigureAwait(false);
        if (existing is not null)
        {
            throw await KeyConflictAsync(connection, tx, existing, userId, userName, key.Fingerprint, ct).ConfigureAwait(false);
        }
        await using (var insert = connection.Command(
                         "INSERT INTO ssh_keys (user_id, key_type, public_key, fingerprint, comment, options, created_at, added_by, added_by_admin) " +
                         "VALUES (@user, @type, @blob, @fingerprint, @comment, @options, @created, @added_by, @added_by_admin);", tx))
        {
            insert.Add("@user", userId).Add("@type", key.KeyType).Add("@blob", key.Key.Blob).Add("@fingerprint", key.Fingerprint)
                .Add("@comment", key.Comment).Add("@options", key.OptionsText).Add("@created", PostgresValues.Time(Now))
                .Add("@added_by", enrolledBy?.Name).Add("@added_by_admin", enrolledBy?.IsAdmin ?? false);
            try
            {
                await insert.ExecuteNonQueryAsync(ct).ConfigureAwait(false);
            }
            catch (PostgresException ex) when (ex.IsUniqueViolation())
            {
                throw new StoreConflictException($"key {key.Fingerprint} was registered by someone else a moment ago; a key may belong to one user only");
            }
            catch (PostgresException ex) when (ex.IsForeignKeyViolation())
            {
                throw new EntityNotFoundException($"no user named \"{userName}\"; the user was deleted meanwhile");
            }
        }
        var stored = await ReadKeyAsync(connection, tx, "fingerprint = @key", key.Fingerprint, ct).ConfigureAwait(false);
        await tx.CommitAsync(ct).ConfigureAwait(false);
        return stored!;
    }

    /// <inheritdoc />
    public async Task<IReadOnlyList<SshKey>> ListSshKeysAsync(string userName, CancellationToken ct = default)
    {
        await using var connection = await OpenConnectionAsync(ct).ConfigureAwait(false);
        // REPEATABLE READ: the user lookup and the key list come from one snapshot.
        await using var tx = await connection.BeginTransactionAsync(System.Data.IsolationLevel.RepeatableRead, ct).ConfigureAwait(false);
        var userId = await FindUserIdAsync(connection, tx, userName, ct).ConfigureAwait(false)
                     ?? throw new EntityNotFoundException($"no user named \"{userName}\"");
        var keys = new List<SshKey>();
        await using (var query = connection.Command($"SELECT {KeyColumns} FROM ssh_keys WHERE user_id = @user ORDER BY id;", tx).Add("@user", userId))
        await using (var reader = await query.ExecuteReaderAsync(ct).ConfigureAwait(false))
        {
            while (await reader.ReadAsync(ct).ConfigureAwait(false))
            {
                keys.Add(MapKey(reader));
            }
        }
        await tx.CommitAsync(ct).ConfigureAwait(false);
        return keys;
    }

    /// <inheritdoc />
    public async Task<SshKey?> FindSshKeyAsync(string fingerprint, CancellationToken ct = default)
    {
        await using var connection = await OpenConnectionAsync(ct).ConfigureAwait(false);
        return await ReadKeyAsync(connection, null, "fingerprint = @key", fingerprint, ct).ConfigureAwait(false);
    }

    /// <inheritdoc />
    public async Task<bool> RemoveSshKeyAsync(string userName, string fingerprint, CancellationToken ct = default)
    {
        await using var connection = await OpenConnectionAsync(ct).ConfigureAwait(false);
        await using var delete = connection.Command(
                "DELETE FROM ssh_keys WHERE fingerprint = @fingerprint AND user_id = (SELECT id FROM users WHERE name = @user);")
            .Add("@fingerprint", fingerprint).Add("@user", userName);
        return await delete.ExecuteNonQueryAsync(ct).ConfigureAwait(false) > 0;
    }

    /// <inheritdoc />
    public async Task RecordSshKeyUsedAsync(long keyId, CancellationToken ct = default)
    {
        await using var connection = await OpenConnectionAsync(ct).ConfigureAwait(false);
        await using var update = connection.Command("UPDATE ssh_keys SET last_used_at = @at WHERE id = @id;")
            .Add("@at", PostgresValues.Time(Now)).Add("@id", keyId);
        await update.ExecuteNonQueryAsync(ct).ConfigureAwait(false);
    }

    /// <inheritdoc />
    public async Task<bool> TryAdvanceSecurityKeyCounterAsync(long keyId, uint counter, CancellationToken ct = default)
    {
        // One conditional UPDATE: the row lock makes a racing node re-check the condition against the new counter,
        // so two nodes presenting the same (cloned) counter cannot both win.
        await using var connection = await OpenConnectionAsync(ct).ConfigureAwait(false);
        await using var update = connection.Command(
                "UPDATE ssh_keys SET sk_counter = @counter WHERE id = @id AND (sk_counter IS NULL OR sk_counter < @counter);")
            .Add("@counter", (long)counter).Add("@id", keyId);
        return await update.ExecuteNonQueryAsync(ct).ConfigureAwait(false) == 1;
    }

    private static async Task<StoreConflictException> KeyConflictAsync(
        NpgsqlConnection connection, NpgsqlTransaction tx, SshKey existing, long userId, string userName, string fingerprint, CancellationToken ct)
    {
        if (existing.UserId == userId)
        {
            return new StoreConflictException($"user {userName} already has key {fingerprint}");
        }
        var owner = (await ReadUserAsync(connection, tx, "id = @key", existing.UserId, ct).ConfigureAwait(false))?.Name;
        return new StoreConflictException(
            $"key {fingerprint} is already registered to user {owner}; a key may belong to one user only, so {userName} needs their own key (ssh-keygen -t ed25519)");
    }

    private static async Task<SshKey?> ReadKeyAsync(NpgsqlConnection connection, NpgsqlTransaction? tx, string where, object key, CancellationToken ct)
    {
        await using var query = connection.Command($"SELECT {KeyColumns} FROM ssh_keys WHERE {where};", tx).Add("@key", key);
        await using var reader = await query.ExecuteReaderAsync(ct).ConfigureAwait(false);
        return await reader.ReadAsync(ct).ConfigureAwait(false) ? MapKey(reader) : null;
    }

    private static SshKey MapKey(NpgsqlDataReader reader) => EntityRows.SshKey(reader, PostgresValues.ReadTime);
}
