using Npgsql;

namespace Bastion.Core.Store.Postgres;

public sealed partial class PostgresStore
{
    private const string TargetColumns = "id, name, host, port, account, tags::text, created_at";

    /// <inheritdoc />
    public async Task<Target> AddTargetAsync(TargetDefinition target, CancellationToken ct = default)
    {
        ArgumentNullException.ThrowIfNull(target);
        target.Validate();
        await using var connection = await OpenConnectionAsync(ct).ConfigureAwait(false);
        await using var tx = await connection.BeginTransactionAsync(ct).ConfigureAwait(false);
        if (await ReadTargetAsync(connection, tx, target.Name, ct).ConfigureAwait(false) is { } existing)
        {
            throw new StoreConflictException($"target {existing.Name} already exists (names ignore case); choose another name or update it");
        }
        await using (var insert = connection.Command(
                         "INSERT INTO targets (name, name_key, host, port, account, tags, created_at) VALUES (@name, @key, @host, @port, @account, @tags, @created);", tx))
        {
            AddTargetParameters(insert, target).Add("@created", PostgresValues.Time(Now));
            try
            {
                await insert.ExecuteNonQueryAsync(ct).ConfigureAwait(false);
            }
            catch (PostgresException ex) when (ex.IsUniqueViolation())
            {
                throw new StoreConflictException($"target {target.Name} was just added by someone else (names ignore case); choose another name or update it");
            }
        }
        var stored = await ReadTargetAsync(connection, tx, target.Name, ct).ConfigureAwait(false);
        await tx.CommitAsync(ct).ConfigureAwait(false);
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
        await using var query = connection.Command($"SELECT {TargetColumns} FROM targets ORDER BY name_key;");
        await using var reader = await query.ExecuteReaderAsync(ct).ConfigureAwait(false);
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
        await using var tx = await connection.BeginTransactionAsync(ct).ConfigureAwait(false);
        var current = await ReadTargetAsync(connection, tx, name, ct, forUpdate: true).ConfigureAwait(false)
                      ?? throw new EntityNotFoundException($"no target named \"{name}\"");
        var clashMessage = $"cannot rename {current.Name} to {target.Name}: target {target.Name} already exists";
        if (await ReadTargetAsync(connection, tx, target.Name, ct).ConfigureAwait(false) is { } clash && clash.Id != current.Id)
        {
            throw new StoreConflictException($"cannot rename {current.Name} to {target.Name}: target {clash.Name} already exists");
        }
        await using (var update = connection.Command(
                         "UPDATE targets SET name = @name, name_key = @key, host = @host, port = @port, account = @account, tags = @tags WHERE id = @id;", tx))
        {
            AddTargetParameters(update, target).Add("@id", current.Id);
            try
            {
                await update.ExecuteNonQueryAsync(ct).ConfigureAwait(false);
            }
            catch (PostgresException ex) when (ex.IsUniqueViolation())
            {
                throw new StoreConflictException(clashMessage);
            }
        }
        var stored = await ReadTargetAsync(connection, tx, target.Name, ct).ConfigureAwait(false);
        await tx.CommitAsync(ct).ConfigureAwait(false);
        return stored!;
    }

    /// <inheritdoc />
    public async Task<bool> DeleteTargetAsync(string name, CancellationToken ct = default)
    {
        await using var connection = await OpenConnectionAsync(ct).ConfigureAwait(false);
        await using var delete = connection.Command("DELETE FROM targets WHERE name_key = @key;").Add("@key", NameKey(name));
        return await delete.ExecuteNonQueryAsync(ct).ConfigureAwait(false) > 0;
    }

    /// <summary>Case-insensitive uniqueness via a lowercased column computed here, exactly as on SQLite.</summary>
    private static string NameKey(string name) => name.ToLowerInvariant();

    private static NpgsqlCommand AddTargetParameters(NpgsqlCommand command, TargetDefinition target) =>
        command.Add("@name", target.Name).Add("@key", NameKey(target.Name)).Add("@host", target.Host)
            .Add("@port", target.Port).Add("@account", target.Account).AddJson("@tags", target.Tags);

    private static async Task<Target?> ReadTargetAsync(NpgsqlConnection connection, NpgsqlTransaction? tx, string name, CancellationToken ct, bool forUpdate = false)
    {
        await using var query = connection.Command(
            $"SELECT {TargetColumns} FROM targets WHERE name_key = @key{(forUpdate ? " FOR UPDATE" : "")};", tx).Add("@key", NameKey(name));
        await using var reader = await query.ExecuteReaderAsync(ct).ConfigureAwait(false);
        return await reader.ReadAsync(ct).ConfigureAwait(false) ? MapTarget(reader) : null;
    }

    private static Target MapTarget(NpgsqlDataReader reader) => EntityRows.Target(reader, PostgresValues.ReadTime);
}
