using System.Data.Common;

namespace Bastion.Core.Store.Sql;

public abstract partial class SqlStore
{
    private string TargetColumns => $"id, name, host, port, account, {D.JsonText("tags")}, created_at";

    public Task<Target> AddTargetAsync(TargetDefinition target, CancellationToken ct = default)
    {
        ArgumentNullException.ThrowIfNull(target);
        target.Validate();
        return WriteAsync(async (connection, tx) =>
        {
            if (await ReadTargetAsync(connection, tx, target.Name, ct).ConfigureAwait(false) is { } existing)
            {
                throw new StoreConflictException($"target {existing.Name} already exists (names ignore case); choose another name or update it");
            }
            await RefusingAsync(() => connection.RunAsync(
                    $"INSERT INTO targets (name, name_key, host, port, account, tags, created_at) VALUES (@name, @key, @host, @port, @account, {D.JsonParameter("@tags")}, @created);",
                    TargetArgs(target, D.Time(Now)), tx, ct),
                () => new StoreConflictException($"target {target.Name} was just added by someone else (names ignore case); choose another name or update it")).ConfigureAwait(false);
            return (await ReadTargetAsync(connection, tx, target.Name, ct).ConfigureAwait(false))!;
        }, ct);
    }

    public Task<Target?> GetTargetAsync(string name, CancellationToken ct = default) =>
        WithConnectionAsync(connection => ReadTargetAsync(connection, null, name, ct), ct);

    public Task<IReadOnlyList<Target>> ListTargetsAsync(CancellationToken ct = default) =>
        WithConnectionAsync(connection => connection.ListAsync($"SELECT {TargetColumns} FROM targets ORDER BY name_key;", null, null, r => EntityRows.Target(r, D.ReadTime), ct), ct);

    public Task<Target> UpdateTargetAsync(string name, TargetDefinition target, CancellationToken ct = default)
    {
        ArgumentNullException.ThrowIfNull(target);
        target.Validate();
        return WriteAsync(async (connection, tx) =>
        {
            var current = await ReadTargetAsync(connection, tx, name, ct, forUpdate: true).ConfigureAwait(false)
                          ?? throw new EntityNotFoundException($"no target named \"{name}\"");
            if (await ReadTargetAsync(connection, tx, target.Name, ct).ConfigureAwait(false) is { } clash && clash.Id != current.Id)
            {
                throw new StoreConflictException($"cannot rename {current.Name} to {target.Name}: target {clash.Name} already exists");
            }
            await RefusingAsync(() => connection.RunAsync(
                    $"UPDATE targets SET name = @name, name_key = @key, host = @host, port = @port, account = @account, tags = {D.JsonParameter("@tags")} WHERE id = @id;",
                    TargetArgs(target, null, current.Id), tx, ct),
                () => new StoreConflictException($"cannot rename {current.Name} to {target.Name}: target {target.Name} already exists")).ConfigureAwait(false);
            return (await ReadTargetAsync(connection, tx, target.Name, ct).ConfigureAwait(false))!;
        }, ct);
    }

    public async Task<bool> DeleteTargetAsync(string name, CancellationToken ct = default) =>
        await RunAsync("DELETE FROM targets WHERE name_key = @key;", new { key = NameKey(name) }, ct).ConfigureAwait(false) > 0;

    /// <summary>Case-insensitive uniqueness via a lowercased column computed here: portable, unlike COLLATE NOCASE or citext.</summary>
    private static string NameKey(string name) => name.ToLowerInvariant();

    private static object TargetArgs(TargetDefinition target, object? created, long id = 0) => new
    {
        name = target.Name, key = NameKey(target.Name), host = target.Host, port = target.Port, account = target.Account,
        tags = SqlDialect.Json(target.Tags), created, id,
    };

    private Task<Target?> ReadTargetAsync(DbConnection connection, DbTransaction? tx, string name, CancellationToken ct, bool forUpdate = false) =>
        connection.FirstAsync($"SELECT {TargetColumns} FROM targets WHERE name_key = @key{(forUpdate ? D.ForUpdate : "")};", new { key = NameKey(name) }, tx,
            r => EntityRows.Target(r, D.ReadTime), ct);
}
