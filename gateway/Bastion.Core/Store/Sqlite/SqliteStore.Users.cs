using Microsoft.Data.Sqlite;

namespace Bastion.Core.Store.Sqlite;

public sealed partial class SqliteStore
{
    private const string UserColumns = "id, name, disabled, mfa_policy, is_automation, created_at";

    /// <inheritdoc />
    public async Task<User> AddUserAsync(NewUser user, CancellationToken ct = default)
    {
        ArgumentNullException.ThrowIfNull(user);
        user.Validate();
        await using var connection = await OpenConnectionAsync(ct).ConfigureAwait(false);
        using var tx = BeginWrite(connection);
        if (await FindUserIdAsync(connection, tx, user.Name, ct).ConfigureAwait(false) is not null)
        {
            throw new StoreConflictException($"user {user.Name} already exists; choose another name or change the existing user");
        }
        long id;
        using (var insert = connection.Command(
                   "INSERT INTO users (name, disabled, mfa_policy, is_automation, created_at) VALUES (@name, @disabled, @policy, @automation, @created) RETURNING id;", tx))
        {
            insert.Add("@name", user.Name).Add("@disabled", user.Disabled).Add("@policy", user.MfaPolicy)
                .Add("@automation", user.IsAutomation).Add("@created", SqliteValues.Time(Now));
            id = (long)(await insert.ExecuteScalarAsync(ct).ConfigureAwait(false))!;
        }
        await ReplaceGroupsAsync(connection, tx, id, user.Groups, ct).ConfigureAwait(false);
        var stored = await ReadUserAsync(connection, tx, "name = @key", user.Name, ct).ConfigureAwait(false);
        tx.Commit();
        return stored!;
    }

    /// <inheritdoc />
    public async Task<User?> GetUserAsync(string name, CancellationToken ct = default)
    {
        await using var connection = await OpenConnectionAsync(ct).ConfigureAwait(false);
        return await ReadUserAsync(connection, null, "name = @key", name, ct).ConfigureAwait(false);
    }

    /// <inheritdoc />
    public async Task<User?> GetUserByIdAsync(long id, CancellationToken ct = default)
    {
        await using var connection = await OpenConnectionAsync(ct).ConfigureAwait(false);
        return await ReadUserAsync(connection, null, "id = @key", id, ct).ConfigureAwait(false);
    }

    /// <inheritdoc />
    public async Task<IReadOnlyList<User>> ListUsersAsync(CancellationToken ct = default)
    {
        await using var connection = await OpenConnectionAsync(ct).ConfigureAwait(false);
        // A read transaction so users and groups come from the same snapshot.
        using var tx = connection.BeginTransaction(deferred: true);
        var groups = new Dictionary<long, List<string>>();
        using (var query = connection.Command("SELECT user_id, group_name FROM user_groups ORDER BY group_name;", tx))
        using (var reader = await query.ExecuteReaderAsync(ct).ConfigureAwait(false))
        {
            while (await reader.ReadAsync(ct).ConfigureAwait(false))
            {
                var userId = reader.GetInt64(0);
                if (!groups.TryGetValue(userId, out var list))
                {
                    groups[userId] = list = [];
                }
                list.Add(reader.GetString(1));
            }
        }
        var users = new List<User>();
        using (var query = connection.Command($"SELECT {UserColumns} FROM users ORDER BY name;", tx))
        using (var reader = await query.ExecuteReaderAsync(ct).ConfigureAwait(false))
        {
            while (await reader.ReadAsync(ct).ConfigureAwait(false))
            {
                users.Add(MapUser(reader, groups.GetValueOrDefault(reader.GetInt64(0)) ?? []));
            }
        }
        tx.Commit();
        return users;
    }

    /// <inheritdoc />
    public async Task<User> UpdateUserAsync(string name, UserChanges changes, CancellationToken ct = default)
    {
        ArgumentNullException.ThrowIfNull(changes);
        await using var connection = await OpenConnectionAsync(ct).ConfigureAwait(false);
        using var tx = BeginWrite(connection);
        var current = await ReadUserAsync(connection, tx, "name = @key", name, ct).ConfigureAwait(false)
                      ?? throw new EntityNotFoundException($"no user named \"{name}\"");
        var updated = new NewUser(current.Name)
        {
            Disabled = changes.Disabled ?? current.Disabled,
            Groups = changes.Groups ?? current.Groups,
            MfaPolicy = changes.MfaPolicy ?? current.MfaPolicy,
            IsAutomation = changes.IsAutomation ?? current.IsAutomation,
        };
        updated.Validate();
        using (var update = connection.Command(
                   "UPDATE users SET disabled = @disabled, mfa_policy = @policy, is_automation = @automation WHERE id = @id;", tx))
        {
            update.Add("@disabled", updated.Disabled).Add("@policy", updated.MfaPolicy)
                .Add("@automation", updated.IsAutomation).Add("@id", current.Id);
            await update.ExecuteNonQueryAsync(ct).ConfigureAwait(false);
        }
        if (changes.Groups is not null)
        {
            await ReplaceGroupsAsync(connection, tx, current.Id, changes.Groups, ct).ConfigureAwait(false);
        }
        var stored = await ReadUserAsync(connection, tx, "id = @key", current.Id, ct).ConfigureAwait(false);
        tx.Commit();
        return stored!;
    }

    /// <inheritdoc />
    public async Task<bool> DeleteUserAsync(string name, CancellationToken ct = default)
    {
        await using var connection = await OpenConnectionAsync(ct).ConfigureAwait(false);
        using var delete = connection.Command("DELETE FROM users WHERE name = @name;").Add("@name", name);
        return await delete.ExecuteNonQueryAsync(ct).ConfigureAwait(false) > 0;
    }

    private static async Task<long?> FindUserIdAsync(SqliteConnection connection, SqliteTransaction? tx, string name, CancellationToken ct)
    {
        using var query = connection.Command("SELECT id FROM users WHERE name = @name;", tx).Add("@name", name);
        return await query.ExecuteScalarAsync(ct).ConfigureAwait(false) as long?;
    }

    private static async Task ReplaceGroupsAsync(SqliteConnection connection, SqliteTransaction tx, long userId, IEnumerable<string> groups, CancellationToken ct)
    {
        using (var delete = connection.Command("DELETE FROM user_groups WHERE user_id = @id;", tx).Add("@id", userId))
        {
            await delete.ExecuteNonQueryAsync(ct).ConfigureAwait(false);
        }
        foreach (var group in groups.Distinct(StringComparer.Ordinal))
        {
            using var insert = connection.Command("INSERT INTO user_groups (user_id, group_name) VALUES (@id, @group);", tx)
                .Add("@id", userId).Add("@group", group);
            await insert.ExecuteNonQueryAsync(ct).ConfigureAwait(false);
        }
    }

    private static async Task<User?> ReadUserAsync(SqliteConnection connection, SqliteTransaction? tx, string where, object key, CancellationToken ct)
    {
        long id;
        User? user;
        using (var query = connection.Command($"SELECT {UserColumns} FROM users WHERE {where};", tx).Add("@key", key))
        using (var reader = await query.ExecuteReaderAsync(ct).ConfigureAwait(false))
        {
            if (!await reader.ReadAsync(ct).ConfigureAwait(false))
            {
                return null;
            }
            id = reader.GetInt64(0);
            user = MapUser(reader, []);
        }
        var groups = new List<string>();
        using (var query = connection.Command("SELECT group_name FROM user_groups WHERE user_id = @id ORDER BY group_name;", tx).Add("@id", id))
        using (var reader = await query.ExecuteReaderAsync(ct).ConfigureAwait(false))
        {
            while (await reader.ReadAsync(ct).ConfigureAwait(false))
            {
                groups.Add(reader.GetString(0));
            }
        }
        return user with { Groups = groups };
    }

    private static User MapUser(SqliteDataReader reader, IReadOnlyList<string> groups) => EntityRows.User(reader, SqliteValues.ReadTime, groups);
}
