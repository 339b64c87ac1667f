using System.Text.Json;
using Bastion.Core.Inventory;

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

    public async Task<InventoryFindingChanges> SyncInventoryFindingsAsync(string kind, IReadOnlyList<InventoryFinding> current, CancellationToken ct = default)
    {
        ArgumentException.ThrowIfNullOrEmpty(kind);
        ArgumentNullException.ThrowIfNull(current);
        var wanted = current.Where(f => f.Kind == kind).DistinctBy(f => f.Subject, StringComparer.Ordinal).ToDictionary(f => f.Subject, StringComparer.Ordinal);
        var stored = (await ListInventoryFindingsAsync(ct).ConfigureAwait(false)).Where(f => f.Kind == kind).ToList();
        var now = sql.Clock.GetUtcNow();
        await using var connection = await sql.OpenAsync(ct).ConfigureAwait(false);
        var opened = new List<InventoryFinding>();
        foreach (var finding in wanted.Values.Where(f => !stored.Any(s => s.Subject == f.Subject)))
        {
            // ON CONFLICT DO NOTHING: another node may open the same finding at the same moment; only the insert that lands counts.
            await using var insert = SqlAccess.Command(connection,
                "INSERT INTO inventory_findings (kind, subject, account_id, summary, data, first_seen) VALUES (@kind, @subject, @account, @summary, @data, @at) " +
                "ON CONFLICT (kind, subject) DO NOTHING;",
                ("@kind", kind), ("@subject", finding.Subject), ("@account", finding.AccountId), ("@summary", finding.Summary),
                ("@data", JsonSerializer.Serialize(finding.Data)), ("@at", sql.Time(now)));
            if (await insert.ExecuteNonQueryAsync(ct).ConfigureAwait(false) == 1)
            {
                opened.Add(finding with { FirstSeen = now });
            }
        }
        var closed = new List<InventoryFinding>();
        foreach (var gone in stored.Where(s => !wanted.ContainsKey(s.Subject)))
        {
            await using var delete = SqlAccess.Command(connection, "DELETE FROM inventory_findings WHERE kind = @kind AND subject = @subject;",
                ("@kind", kind), ("@subject", gone.Subject));
            if (await delete.ExecuteNonQueryAsync(ct).ConfigureAwait(false) == 1)
            {
                closed.Add(gone);
            }
        }
        return new InventoryFindingChanges(opened, closed);
    }

    public async Task<IReadOnlyList<InventoryFinding>> ListInventoryFindingsAsync(CancellationToken ct = default)
    {
        await using var connection = await sql.OpenAsync(ct).ConfigureAwait(false);
        await using var query = SqlAccess.Command(connection,
            "SELECT kind, subject, account_id, summary, data, first_seen FROM inventory_findings ORDER BY first_seen, kind, subject;");
        await using var reader = await query.ExecuteReaderAsync(ct).ConfigureAwait(false);
        var findings = new List<InventoryFinding>();
        while (await reader.ReadAsync(ct).ConfigureAwait(false))
        {
            var data = JsonSerializer.Deserialize<Dictionary<string, string>>(reader.GetString(4)) ?? [];
            findings.Add(new InventoryFinding(reader.GetString(0), reader.GetString(1), reader.GetString(2), reader.GetString(3), data)
            {
                FirstSeen = sql.ReadTime(reader, 5),
            });
        }
        return findings;
    }
}
