using System.Text.Json;
using Bastion.Core.Inventory;

namespace Bastion.Core.Store.Sql;

public abstract partial class SqlStore
{
    public Task SaveInventoryAccountAsync(InventoryAccountRecord account, CancellationToken ct = default)
    {
        ArgumentNullException.ThrowIfNull(account);
        return RunAsync(
            "INSERT INTO inventory_accounts (account_id, alias, last_success, last_attempt, last_error, consecutive_failures, instance_count, instances) " +
            "VALUES (@AccountId, @Alias, @success, @attempt, @LastError, @ConsecutiveFailures, @InstanceCount, @InstancesJson) " +
            "ON CONFLICT (account_id) DO UPDATE SET alias = excluded.alias, last_success = excluded.last_success, " +
            "last_attempt = excluded.last_attempt, last_error = excluded.last_error, consecutive_failures = excluded.consecutive_failures, " +
            "instance_count = excluded.instance_count, instances = excluded.instances;",
            new
            {
                account.AccountId, account.Alias, success = account.LastSuccess is { } success ? D.Time(success) : null, attempt = D.Time(account.LastAttempt),
                account.LastError, account.ConsecutiveFailures, account.InstanceCount, account.InstancesJson,
            }, ct);
    }

    public Task<IReadOnlyList<InventoryAccountRecord>> ListInventoryAccountsAsync(CancellationToken ct = default) =>
        WithConnectionAsync(connection => connection.ListAsync(
            "SELECT account_id, alias, last_success, last_attempt, last_error, consecutive_failures, instance_count, instances FROM inventory_accounts ORDER BY alias;",
            null, null, r => new InventoryAccountRecord(r.GetString(0), r.GetString(1), D.ReadNullableTime(r, 2), D.ReadTime(r, 3), r.IsDBNull(4) ? null : r.GetString(4),
                r.GetInt32(5), r.GetInt32(6), r.GetString(7)), ct), ct);

    public async Task<InventoryFindingChanges> SyncInventoryFindingsAsync(string kind, IReadOnlyList<InventoryFinding> current, CancellationToken ct = default)
    {
        ArgumentException.ThrowIfNullOrEmpty(kind);
        ArgumentNullException.ThrowIfNull(current);
        var wanted = current.Where(f => f.Kind == kind).DistinctBy(f => f.Subject, StringComparer.Ordinal).ToDictionary(f => f.Subject, StringComparer.Ordinal);
        var stored = (await ListInventoryFindingsAsync(ct).ConfigureAwait(false)).Where(f => f.Kind == kind).ToList();
        var now = Now;
        return await WithConnectionAsync(async connection =>
        {
            var opened = new List<InventoryFinding>();
            foreach (var finding in wanted.Values.Where(f => !stored.Any(s => s.Subject == f.Subject)))
            {
                // ON CONFLICT DO NOTHING: another node may open the same finding at the same moment; only the insert that lands counts.
                if (await connection.RunAsync(
                        "INSERT INTO inventory_findings (kind, subject, account_id, summary, data, first_seen) VALUES (@kind, @Subject, @AccountId, @Summary, @data, @at) " +
                        "ON CONFLICT (kind, subject) DO NOTHING;",
                        new { kind, finding.Subject, finding.AccountId, finding.Summary, data = JsonSerializer.Serialize(finding.Data), at = D.Time(now) }, null, ct)
                        .ConfigureAwait(false) == 1)
                {
                    opened.Add(finding with { FirstSeen = now });
                }
            }
            var closed = new List<InventoryFinding>();
            foreach (var gone in stored.Where(s => !wanted.ContainsKey(s.Subject)))
            {
                if (await connection.RunAsync("DELETE FROM inventory_findings WHERE kind = @kind AND subject = @Subject;", new { kind, gone.Subject }, null, ct)
                        .ConfigureAwait(false) == 1)
                {
                    closed.Add(gone);
                }
            }
            return new InventoryFindingChanges(opened, closed);
        }, ct).ConfigureAwait(false);
    }

    public Task<IReadOnlyList<InventoryFinding>> ListInventoryFindingsAsync(CancellationToken ct = default) =>
        WithConnectionAsync(connection => connection.ListAsync(
            "SELECT kind, subject, account_id, summary, data, first_seen FROM inventory_findings ORDER BY first_seen, kind, subject;", null, null,
            r => new InventoryFinding(r.GetString(0), r.GetString(1), r.GetString(2), r.GetString(3), JsonSerializer.Deserialize<Dictionary<string, string>>(r.GetString(4)) ?? [])
            {
                FirstSeen = D.ReadTime(r, 5),
            }, ct), ct);
}
