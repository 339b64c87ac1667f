using System.Data.Common;
using Bastion.Core.Keys;

namespace Bastion.Core.Store.Sql;

public abstract partial class SqlStore
{
    private const string KeyColumns = "id, user_id, public_key, key_type, fingerprint, comment, options, created_at, last_used_at, sk_counter, added_by, added_by_admin";

    public Task<SshKey> AddSshKeyAsync(string userName, AuthorizedKeyLine key, CancellationToken ct = default) => AddSshKeyAsync(userName, key, null, ct);

    public Task<SshKey> AddSshKeyAsync(string userName, AuthorizedKeyLine key, KeyEnroller? enrolledBy, CancellationToken ct = default)
    {
        ArgumentNullException.ThrowIfNull(key);
        return WriteAsync(async (connection, tx) =>
        {
            var userId = await FindUserIdAsync(connection, tx, userName, ct).ConfigureAwait(false)
                         ?? throw new EntityNotFoundException($"no user named \"{userName}\"; add the user before their keys");
            if (await ReadKeyAsync(connection, tx, key.Fingerprint, ct).ConfigureAwait(false) is { } existing)
            {
                var owner = existing.UserId == userId ? userName : (await ReadUserAsync(connection, tx, "id = @key", existing.UserId, ct).ConfigureAwait(false))?.Name;
                throw new StoreConflictException(existing.UserId == userId
                    ? $"user {userName} already has key {key.Fingerprint}"
                    : $"key {key.Fingerprint} is already registered to user {owner}; a key may belong to one user only, so {userName} needs their own key (ssh-keygen -t ed25519)");
            }
            await RefusingAsync(() => connection.RunAsync(
                    "INSERT INTO ssh_keys (user_id, key_type, public_key, fingerprint, comment, options, created_at, added_by, added_by_admin) " +
                    "VALUES (@userId, @KeyType, @blob, @Fingerprint, @Comment, @OptionsText, @created, @addedBy, @addedByAdmin);",
                    new
                    {
                        userId, key.KeyType, blob = key.Key.Blob, key.Fingerprint, key.Comment, key.OptionsText, created = D.Time(Now),
                        addedBy = enrolledBy?.Name, addedByAdmin = enrolledBy?.IsAdmin ?? false,
                    }, tx, ct),
                () => new StoreConflictException($"key {key.Fingerprint} was registered by someone else a moment ago; a key may belong to one user only"),
                () => new EntityNotFoundException($"no user named \"{userName}\"; the user was deleted meanwhile")).ConfigureAwait(false);
            return (await ReadKeyAsync(connection, tx, key.Fingerprint, ct).ConfigureAwait(false))!;
        }, ct);
    }

    public Task<IReadOnlyList<SshKey>> ListSshKeysAsync(string userName, CancellationToken ct = default) => ReadSnapshotAsync(async (connection, tx) =>
    {
        // The user lookup and the key list come from one snapshot.
        var userId = await FindUserIdAsync(connection, tx, userName, ct).ConfigureAwait(false)
                     ?? throw new EntityNotFoundException($"no user named \"{userName}\"");
        return await connection.ListAsync($"SELECT {KeyColumns} FROM ssh_keys WHERE user_id = @userId ORDER BY id;", new { userId }, tx,
            r => EntityRows.SshKey(r, D.ReadTime), ct).ConfigureAwait(false);
    }, ct);

    public Task<SshKey?> FindSshKeyAsync(string fingerprint, CancellationToken ct = default) =>
        WithConnectionAsync(connection => ReadKeyAsync(connection, null, fingerprint, ct), ct);

    public async Task<bool> RemoveSshKeyAsync(string userName, string fingerprint, CancellationToken ct = default) =>
        await RunAsync("DELETE FROM ssh_keys WHERE fingerprint = @fingerprint AND user_id = (SELECT id FROM users WHERE name = @userName);",
            new { fingerprint, userName }, ct).ConfigureAwait(false) > 0;

    public Task RecordSshKeyUsedAsync(long keyId, CancellationToken ct = default) =>
        RunAsync("UPDATE ssh_keys SET last_used_at = @at WHERE id = @keyId;", new { at = D.Time(Now), keyId }, ct);

    public async Task<bool> TryAdvanceSecurityKeyCounterAsync(long keyId, uint counter, CancellationToken ct = default) =>
        // One conditional UPDATE: SQLite runs it under its write lock; on PostgreSQL the row lock makes a racing node
        // re-check the condition against the new counter, so two nodes presenting the same (cloned) counter cannot both win.
        await RunAsync("UPDATE ssh_keys SET sk_counter = @counter WHERE id = @keyId AND (sk_counter IS NULL OR sk_counter < @counter);",
            new { counter = (long)counter, keyId }, ct).ConfigureAwait(false) == 1;

    private Task<SshKey?> ReadKeyAsync(DbConnection connection, DbTransaction? tx, string fingerprint, CancellationToken ct) =>
        connection.FirstAsync($"SELECT {KeyColumns} FROM ssh_keys WHERE fingerprint = @fingerprint;", new { fingerprint }, tx, r => EntityRows.SshKey(r, D.ReadTime), ct);
}
