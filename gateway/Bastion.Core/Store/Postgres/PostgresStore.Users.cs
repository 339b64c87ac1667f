using Npgsql;

namespace Bastion.Core.Store.Postgres;

public sealed partial class PostgresStore
{
    private const string UserColumns = "id, name, disabled, mfa_policy, is_automation, created_at";

    /// <inheritdoc />
    public async Task<User> AddUserAsync(NewUser user, CancellationToken ct = default)
    {
        ArgumentNullException.ThrowIfNull(user);
        user.Validate();
        var conflict = $"user {user.Name} already exists; choose another name or change the existing user";
        await using var connection = await OpenConnectionAsync(ct).ConfigureAwait(false);
        await using var tx = await connection.BeginTransactionAsync(ct).ConfigureAwait(false);
        if (await FindUserIdAsync(connection, tx, user.Name, ct).ConfigureAwait(false) is not null)
        {
            throw new StoreConflictException(conflict);
        }
        long id;
        await using (var insert = connection.Command(
                         "INSERT INTO users (name, disabled, mfa_policy, is_automation, created_at) VALUES (@name, @disabled, @policy, @automation, @created) RETURNING id;", tx))
        {
            insert.Add("@name", user.Name).Add("@disabled", user.Disabled).Add("@policy", user.MfaPolicy)
                .Add("@automation", user.IsAutomation).Add("@created", PostgresValues.Time(Now));
            try
            {
                id = (long)(await insert.ExecuteScalarAsync(ct).ConfigureAwait(false))!;
            }
            catch (PostgresException ex) when (ex.IsUniqueViolation())
            {
                // Another node added the same name between our check and our insert.
                throw new StoreConflictException(conflict);
            }
        }
        await ReplaceGroupsAsync(connection, tx, id, user.Groups, ct).ConfigureAwait(false);
        var stored = await ReadUserAsync(connection, tx, "id = @key", id, ct).ConfigureAwait(false);
        await tx.CommitAsync(ct).ConfigureAwait(false);
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
        // One statement, one snapshot: users with their groups aggregated in name order.
        await using var query = connection.Command(
            $"SELECT u.id, u.name, u.disabled, u.mfa_policy, u.is_automation, u.created_at, " +
            "COALESCE((SELECT array_agg(g.group_name ORDER BY g.group_name) FROM user_groups g WHERE g.user_id = u.id), '{}') " +
            "FROM users u ORDER BY u.name;");
        await using var reader = await query.ExecuteReaderAsync(ct).ConfigureAwait(false);
        var users = new List<User>();
        while (await reader.ReadAsync(ct).ConfigureAwait(false))
        {
            users.Add(MapUser(reader, reader.GetFieldValue<string[]>(6)));
        }
        return users;
    }

    /// <inheritdoc />
    public async Task<User> UpdateUserAsync(string name, UserChanges changes, CancellationToken ct = default)
    {
        ArgumentNullException.ThrowIfNull(changes);
        await using var connection = await OpenConnectionAsync(ct).ConfigureAwait(false);
        await using var tx = await connection.BeginTransactionAsync(ct).ConfigureAwait(false);
        // FOR UPDATE: a concurrent update of the same user (another node) waits, so groups are replaced whole.
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
        await using (var update = connection.Command(
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
        await tx.CommitAsync(ct).ConfigureAwait(false);
        return stored!;
    }

    /// <inheritdoc />
    public async Task<bool> DeleteUserAsync(string name, CancellationToken ct = default)
    {
        await using var connection = await OpenConnectionAsync(ct).ConfigureAwait(false);
        await using var delete = connection.Command("DELETE FROM users WHERE name = @name;").Add("@name", name);
        return await delete.ExecuteNonQueryAsync(ct).ConfigureAwait(false) > 0;
    }

    private static async Task<long?> FindUserIdAsync(NpgsqlConnection connection, NpgsqlTransaction? tx, string name, CancellationToken ct)
    {
        await using var query = connection.Command("SELECT id FROM users WHERE name = @name;", tx).Add("@name", name);
        return await query.ExecuteScalarAsync(ct).ConfigureAwait(false) as long?;
    }

    /// <summary>Locks the user's row for the rest of the transaction; throws if the user does not exist.</summary>
    private static async Task LockUserAsync(NpgsqlConnection connection, NpgsqlTransaction tx, long userId, CancellationToken ct)
    {
        await using var query = connection.Command("SELECT id FROM users WHERE id = @id FOR UPDATE;", tx).Add("@id", userId);
        if (await query.ExecuteScalarAsync(ct).ConfigureAwait(false) is null)
        {
            throw new EntityNotFoundException($"no user with id {userId}; the user may have been deleted meanwhile");
        }
    }

    private static async Task ReplaceGroupsAsync(NpgsqlConnection connection, NpgsqlTransaction tx, long userId, IEnumerable<string> groups, CancellationToken ct)
    {
        await using (var delete = connection.Command("DELETE FROM user_groups WHERE user_id = @id;", tx).Add("@id", userId))
        {
            await delete.ExecuteNonQueryAsync(ct).ConfigureAwait(false);
        }
        var distinct = groups.Distinct(StringComparer.Ordinal).ToArray();
        if (distinct.Length > 0)
        {
            await using var insert = connection.Command(
                    "INSERT INTO user_groups (user_id, group_name) SELECT @id, unnest(@groups::text[]);", tx)
                .Add("@id", userId).Add("@groups", distinct);
            await insert.ExecuteNonQueryAsync(ct).ConfigureAwait(false);
        }
    }

    private static async Task<User?> ReadUserAsync(NpgsqlConnection connection, NpgsqlTransaction? tx, string where, object key, CancellationToken ct, bool forUpdate = false)
    {
        await using var query = connection.Command(
                $"SELECT {UserColumns}, COALESCE((SELECT array_agg(g.group_name ORDER BY g.group_name) FROM user_groups g WHERE g.user_id = users.id), '{{}}') " +
                $"FROM users WHERE {where}{(forUpdate ? " FOR UPDATE" : "")};", tx)
            .Add("@key", key);
        await using var reader = await query.ExecuteReaderAsync(ct).ConfigureAwait(false);
        return await reader.ReadAsync(ct).ConfigureAwait(false) ? MapUser(reader, reader.GetFieldValue<string[]>(6)) : null;
    }

    private static User MapUser(NpgsqlDataReader reader, IReadOnlyList<string> groups) => EntityRows.User(reader, PostgresValues.ReadTime, groups);
}
