using System.Data.Common;

namespace Bastion.Core.Store.Sql;

public abstract partial class SqlStore
{
    private const string UserColumns = "id, name, disabled, mfa_policy, is_automation, created_at";

    public Task<User> AddUserAsync(NewUser user, CancellationToken ct = default)
    {
        ArgumentNullException.ThrowIfNull(user);
        user.Validate();
        var conflict = $"user {user.Name} already exists; choose another name or change the existing user";
        return WriteAsync(async (connection, tx) =>
        {
            if (await FindUserIdAsync(connection, tx, user.Name, ct).ConfigureAwait(false) is not null)
            {
                throw new StoreConflictException(conflict);
            }
            // Another node may add the same name between our check and our insert.
            var id = await RefusingAsync(() => connection.ScalarAsync<long>(
                "INSERT INTO users (name, disabled, mfa_policy, is_automation, created_at) VALUES (@Name, @Disabled, @MfaPolicy, @IsAutomation, @created) RETURNING id;",
                new { user.Name, user.Disabled, user.MfaPolicy, user.IsAutomation, created = D.Time(Now) }, tx, ct), () => new StoreConflictException(conflict)).ConfigureAwait(false);
            await ReplaceGroupsAsync(connection, tx, id, user.Groups, ct).ConfigureAwait(false);
            return (await ReadUserAsync(connection, tx, "id = @key", id, ct).ConfigureAwait(false))!;
        }, ct);
    }

    public Task<User?> GetUserAsync(string name, CancellationToken ct = default) =>
        WithConnectionAsync(connection => ReadUserAsync(connection, null, "name = @key", name, ct), ct);

    public Task<User?> GetUserByIdAsync(long id, CancellationToken ct = default) =>
        WithConnectionAsync(connection => ReadUserAsync(connection, null, "id = @key", id, ct), ct);

    public Task<IReadOnlyList<User>> ListUsersAsync(CancellationToken ct = default) => ReadSnapshotAsync<IReadOnlyList<User>>(async (connection, tx) =>
    {
        // Users and groups from one snapshot.
        var groups = (await connection.ValuesAsync<(long UserId, string Group)>("SELECT user_id, group_name FROM user_groups ORDER BY group_name;", null, tx, ct)
                .ConfigureAwait(false))
            .ToLookup(g => g.UserId, g => g.Group);
        return await connection.ListAsync($"SELECT {UserColumns} FROM users ORDER BY name;", null, tx,
            r => EntityRows.User(r, D.ReadTime, groups[r.GetInt64(0)].ToList()), ct).ConfigureAwait(false);
    }, ct);

    public Task<User> UpdateUserAsync(string name, UserChanges changes, CancellationToken ct = default)
    {
        ArgumentNullException.ThrowIfNull(changes);
        return WriteAsync(async (connection, tx) =>
        {
            // Locked: a concurrent update of the same user (another node) waits, so groups are replaced whole.
            var current = await ReadUserAsync(connection, tx, "name = @key", name, ct, forUpdate: true).ConfigureAwait(false)
                          ?? throw new EntityNotFoundException($"no user named \"{name}\"");
            var updated = new NewUser(current.Name)
            {
                Disabled = changes.Disabled ?? current.Disabled,
                Groups = changes.Groups ?? current.Groups,
                MfaPolicy = changes.MfaPolicy ?? current.MfaPolicy,
                IsAutomation = changes.IsAutomation ?? current.IsAutomation,
            };
            updated.Validate();
            await connection.RunAsync("UPDATE users SET disabled = @Disabled, mfa_policy = @MfaPolicy, is_automation = @IsAutomation WHERE id = @id;",
                new { updated.Disabled, updated.MfaPolicy, updated.IsAutomation, id = current.Id }, tx, ct).ConfigureAwait(false);
            if (changes.Groups is not null)
            {
                await ReplaceGroupsAsync(connection, tx, current.Id, changes.Groups, ct).ConfigureAwait(false);
            }
            return (await ReadUserAsync(connection, tx, "id = @key", current.Id, ct).ConfigureAwait(false))!;
        }, ct);
    }

    public async Task<bool> DeleteUserAsync(string name, CancellationToken ct = default) =>
        await RunAsync("DELETE FROM users WHERE name = @name;", new { name }, ct).ConfigureAwait(false) > 0;

    private static Task<long?> FindUserIdAsync(DbConnection connection, DbTransaction? tx, string name, CancellationToken ct) =>
        connection.ScalarAsync<long?>("SELECT id FROM users WHERE name = @name;", new { name }, tx, ct);

    /// <summary>Locks the user's row for the rest of the transaction (where rows lock); throws if the user does not exist.</summary>
    private async Task LockUserAsync(DbConnection connection, DbTransaction tx, long userId, CancellationToken ct)
    {
        if (await connection.ScalarAsync<long?>($"SELECT id FROM users WHERE id = @userId{D.ForUpdate};", new { userId }, tx, ct).ConfigureAwait(false) is null)
        {
            throw new EntityNotFoundException($"no user with id {userId}; the user may have been deleted meanwhile");
        }
    }

    private static async Task ReplaceGroupsAsync(DbConnection connection, DbTransaction tx, long userId, IEnumerable<string> groups, CancellationToken ct)
    {
        await connection.RunAsync("DELETE FROM user_groups WHERE user_id = @userId;", new { userId }, tx, ct).ConfigureAwait(false);
        foreach (var group in groups.Distinct(StringComparer.Ordinal))
        {
            await connection.RunAsync("INSERT INTO user_groups (user_id, group_name) VALUES (@userId, @group);", new { userId, group }, tx, ct).ConfigureAwait(false);
        }
    }

    private async Task<User?> ReadUserAsync(DbConnection connection, DbTransaction? tx, string where, object key, CancellationToken ct, bool forUpdate = false)
    {
        var user = await connection.FirstAsync($"SELECT {UserColumns} FROM users WHERE {where}{(forUpdate ? D.ForUpdate : "")};", new { key }, tx,
            r => EntityRows.User(r, D.ReadTime, []), ct).ConfigureAwait(false);
        return user is null
            ? null
            : user with
            {
                Groups = await connection.ValuesAsync<string>("SELECT group_name FROM user_groups WHERE user_id = @Id ORDER BY group_name;", new { user.Id }, tx, ct)
                    .ConfigureAwait(false),
            };
    }
}
