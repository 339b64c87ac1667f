namespace Bastion.Core.Store.Postgres;

public sealed partial class PostgresStore
{
    /// <inheritdoc />
    public async Task SaveInventoryAccountAsync(InventoryAccountRecord account, CancellationToken ct = default)
    {
        ArgumentNullException.ThrowIfNull(account);
        await using var connection = await OpenConnectionAsync(ct).ConfigureAwait(false);
        await using var upsert = connection.Command(
                "INSERT INTO inventory_accounts (account_id, alias, last_success, last_attempt, last_error, consecutive_failures, instance_count, instances) " +
                "VALUES (@id, @alias, @success, @attempt, @error, @failures, @count, @instances) " +
                "ON CONFLICT (account_id) DO UPDATE SET alias = excluded.alias, last_success = excluded.last_success, " +
                "last_attempt = excluded.last_attempt, last_error = excluded.last_error, consecutive_failures = excluded.consecutive_failures, " +
                "instance_count = excluded.instance_count, instances = excluded.instances;")
            .Add("@id", account.AccountId).Add("@alias", account.Alias)
            .Add("@success", account.LastSuccess is { } success ? PostgresValues.Time(success) : null)
            .Add("@attempt", PostgresValues.Time(account.LastAttempt)).Add("@error", account.LastError)
            .Add("@failures", account.ConsecutiveFailures).Add("@count", account.InstanceCount).Add("@instances", account.InstancesJson);
        await upsert.ExecuteNonQueryAsync(ct).ConfigureAwait(false);
    }

    /// <inheritdoc />
    public async Task<IReadOnlyList<InventoryAccountRecord>> ListInventoryAccountsAsync(CancellationToken ct = default)
    {
        await using var connection = await OpenConnectionAsync(ct).ConfigureAwait(false);
        await using var query = connection.Command(
            "SELECT account_id, alias, last_success, last_attempt, last_error, consecutive_failures, instance_count, instances " +
            "FROM inventory_accounts ORDER BY alias;");
        await using var reader = await query.ExecuteReaderAsync(ct).ConfigureAwait(false);
        var accounts = new List<InventoryAccountRecord>();
        while (await reader.ReadAsync(ct).ConfigureAwait(false))
        {
            accounts.Add(new InventoryAccountRecord(
                reader.GetString(0), reader.GetString(1), reader.ReadNullableTime(2), reader.ReadTime(3),
                reader.ReadNullableString(4), reader.GetInt32(5), reader.GetInt32(6), reader.GetString(7)));
        }
        return accounts;
    }
}
