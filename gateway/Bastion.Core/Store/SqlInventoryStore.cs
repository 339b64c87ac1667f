namespace Bastion.Core.Store;

/// <summary><see cref="IInventoryStore"/> for both databases: each method is one statement.</summary>
internal sealed class SqlInventoryStore(SqlAccess sql) : IInventoryStore
{
    public async Task SaveInventoryAccountAsync(InventoryAccountRecord account, CancellationToken ct = default)
    {
        ArgumentNullException.ThrowIfNull(account);
        await using var connection = await sql.OpenAsync(ct).ConfigureAwait(false);
        await using var upsert = SqlAccess.Command(connection,
            "INSERT INTO inventory_accounts (account_id, alias, last_success, last_attempt, last_error, consecutive_failures, instance_count, instances) " +
            "VALUES (@id, @alias, @success, @attempt, @error, @failures, @count, @instances) " +
            "ON CONFLICT (account_id) DO UPDATE SET alias = excluded.alias, last_success = excluded.last_success, " +
            "last_attempt = excluded.last_attempt, last_error = excluded.last_error, consecutive_failures = excluded.consecutive_failures, " +
            "instance_count = excluded.instance_count, instances = excluded.instances;",
            ("@id", account.AccountId), ("@alias", account.Alias),
            ("@success", account.LastSuccess is { } success ? sql.Time(success) : null),
            ("@attempt", sql.Time(account.LastAttempt)), ("@error", account.LastError),
            ("@failures", account.ConsecutiveFailures), ("@count", account.InstanceCount), ("@instances", account.InstancesJson));
        await upsert.ExecuteNonQueryAsync(ct).ConfigureAwait(false);
    }

    public async Task<IReadOnlyList<InventoryAccountRecord>> ListInventoryAccountsAsync(CancellationToken ct = default)
    {
        await using var connection = await sql.OpenAsync(ct).ConfigureAwait(false);
        await using var query = SqlAccess.Command(connection,
            "SELECT account_id, alias, last_success, last_attempt, last_error, consecutive_failures, instance_count, instances " +
            "FROM inventory_accounts ORDER BY alias;");
        await using var reader = await query.ExecuteReaderAsync(ct).ConfigureAwait(false);
        var accounts = new List<InventoryAccountRecord>();
        while (await reader.ReadAsync(ct).ConfigureAwait(false))
        {
            accounts.Add(new InventoryAccountRecord(
                reader.GetString(0), reader.GetString(1), reader.IsDBNull(2) ? null : sql.ReadTime(reader, 2), sql.ReadTime(reader, 3),
                reader.IsDBNull(4) ? null : reader.GetString(4), reader.GetInt32(5), reader.GetInt32(6), reader.GetString(7)));
        }
        return accounts;
    }
}
