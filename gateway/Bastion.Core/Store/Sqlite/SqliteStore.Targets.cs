using Microsoft.Data.Sqlite;

namespace Bastion.Core.Store.Sqlite;

public sealed partial class SqliteStore
{
    private const string TargetColumns = "id, name, host, port, account, tags, created_at";

    /// <inheritdoc />
    public async Task<Target> AddTargetAsync(TargetDefinition target, CancellationToken ct = default)
    {
        ArgumentNullException.ThrowIfNull(target);
        target.Validate();
        await using var connection = await OpenConnectionAsync(ct).ConfigureAwait(false);
        using var tx = BeginWrite(connection);
        if (await ReadTargetAsync(connection, tx, target.Name, ct).ConfigureAwait(false) is { } existing)
        {
            throw new StoreConflictException($"target {existing.Name} already exists (names ignore case); choose another name or update it");
        }
        using (var insert = connection.Command(
                   "INSERT INTO targets (name, name_key, host, port, account, tags, created_at) VALUES (@name, @key, @host, @port, @account, @tags, @created);", tx))
        {
            AddTargetParameters(insert, target).Add("@created", SqliteValues.Time(Now));
            await insert.ExecuteNonQueryAsync(ct).ConfigureAwait(false);
        }
        var stored = await ReadTargetAsync(connection, tx, target.Name, ct).ConfigureAwait(false);
        tx.Commit();
        return stored!;
    }

    /// <inheritdoc />
    public async Task<Target?> GetTargetAsync(string name, CancellationToken ct = default)
    {
        await using var connection = await OpenConnectionAsync(ct).ConfigureAwait(false);
        return await ReadTargetAsync(connection, null, name, ct).ConfigureAwait(false);
    }

    /// <inheritdoc />
    public async Task<IReadOnlyList<Target>> ListTargetsAsync(CancellationToken ct = default)
    {
        await using var connection = await OpenConnectionAsync(ct).ConfigureAwait(false);
        using var query = connection.Command($"SELECT {TargetColumns} FROM targets ORDER BY name_key;");
        using var reader = await query.ExecuteReaderAsync(ct).ConfigureAwait(false);
        var targets = new List<Target>();
        while (await reader.ReadAsync(ct).ConfigureAwait(false))
        {
            targets.Add(MapTarget(reader));
        }
        return targets;
    }

    /// <inheritdoc />
    public async Task<Target> UpdateTargetAsync(string name, TargetDefinition target, CancellationToken ct = default)
    {
        ArgumentNullException.ThrowIfNull(target);
        target.Validate();
        await using var connection = await OpenConnectionAsync(ct).ConfigureAwait(false);
        using var tx = BeginWrite(connection);
        var current = await ReadTargetAsync(connection, tx, name, ct).ConfigureAwait(false)
                      ?? throw new EntityNotFoundException($"no target named \"{name}\"");
        if (await ReadTargetAsync(connection, tx, target.Name, ct).ConfigureAwait(false) is { } clash && clash.Id != current.Id)
        {
            throw new StoreConflictException($"cannot rename {current.Name} to {target.Name}: target {clash.Name} already exists");
        }
        using (var update = connection.Command(
                   "UPDATE targets SET name = @name, name_key = @key, host = @host, port = @port, account = @account, tags = @tags WHERE id = @id;", tx))
        {
            AddTargetParameters(update, target).Add("@id", current.Id);
            await update.ExecuteNonQueryAsync(ct).ConfigureAwait(false);
        }
        var stored = await ReadTargetAsync(connection, tx, target.Name, ct).ConfigureAwait(false);
        tx.Commit();
        return stored!;
    }

    /// <inheritdoc />
    public async Task<bool> DeleteTargetAsync(string name, CancellationToken ct = default)
    {
        await using var connection = await OpenConnectionAsync(ct).ConfigureAwait(false);
        using var delete = connection.Command("DELETE FROM targets WHERE name_key = @key;").Add("@key", NameKey(name));
        return await delete.ExecuteNonQueryAsync(ct).ConfigureAwait(false) > 0;
    }

    /// <summary>Case-insensitive uniqueness via a lowercased column: portable, unlike COLLATE NOCASE or citext.</summary>
    private static string NameKey(string name) => name.ToLowerInvariant();

    private static SqliteCommand AddTargetParameters(SqliteCommand command, TargetDefinition target) =>
        command.Add("@name", target.Name).Add("@key", NameKey(target.Name)).Add("@host", target.Host)
            .Add("@port", target.Port).Add("@account", target.Account).Add("@tags", SqliteValues.Json(target.Tags));

    private static async Task<Target?> ReadTargetAsync(SqliteConnection connection, SqliteTransaction? tx, string name, CancellationToken ct)
    {
        using var query = connection.Command($"SELECT {TargetColumns} FROM targets WHERE name_key = @key;", tx).Add("@key", NameKey(name));
        using var reader = await query.ExecuteReaderAsync(ct).ConfigureAwait(false);
        return await reader.ReadAsync(ct).ConfigureAwait(false) ? MapTarget(reader) : null;
    }

    private static Target MapTarget(SqliteDataReader reader) => EntityRows.Target(reader, SqliteValues.ReadTime);
}
