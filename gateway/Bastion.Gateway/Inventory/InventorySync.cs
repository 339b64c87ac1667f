using Bastion.Core.Audit;
using Bastion.Core.Inventory;
using Bastion.Gateway.Hosting;
using Bastion.Gateway.Inventory.Ec2;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;

namespace Bastion.Gateway.Inventory;

/// <summary>
/// Connects the EC2 refresher to the rest of the gateway: each new snapshot replaces the index connections resolve
/// against and is saved to the store (for the CLI, the admin pages and other nodes) with the findings it holds (refused
/// instances, address conflicts), each audited once; an account that fails or recovers is written to the audit trail,
/// since a stale inventory changes what a name means.
/// </summary>
public sealed class InventorySync : IHostedService
{
    private readonly BastionContext _context;
    private readonly Ec2Inventory _inventory;
    private readonly ILogger<InventorySync> _logger;
    private readonly SemaphoreSlim _saving = new(1, 1);
    private readonly InventoryFindingsPublisher _findings;
    private long _savedVersion = -1;

    public InventorySync(BastionContext context, Ec2Inventory inventory, ILogger<InventorySync> logger)
    {
        _context = context;
        _inventory = inventory;
        _findings = new InventoryFindingsPublisher(context);
        _logger = logger;
    }

    public Task StartAsync(CancellationToken cancellationToken)
    {
        _inventory.Updated += OnUpdated;
        _inventory.AccountFailed += OnAccountFailed;
        _inventory.AccountRecovered += OnAccountRecovered;
        return Task.CompletedTask;
    }

    public Task StopAsync(CancellationToken cancellationToken)
    {
        _inventory.Updated -= OnUpdated;
        _inventory.AccountFailed -= OnAccountFailed;
        _inventory.AccountRecovered -= OnAccountRecovered;
        return Task.CompletedTask;
    }

    private void OnUpdated(Ec2Snapshot snapshot)
    {
        _context.InventoryState.Update(snapshot);
        _ = SaveLatestAsync();
    }

    /// <summary>
    /// Saves the newest snapshot, not the one that triggered the call: saves queue behind each other and snapshots
    /// arrive out of order, and an older one saved last would tell the CLI and other nodes less than the gateway knows.
    /// </summary>
    private async Task SaveLatestAsync()
    {
        await _saving.WaitAsync().ConfigureAwait(false);
        try
        {
            var snapshot = _inventory.Current;
            if (snapshot.Version <= _savedVersion)
            {
                return;
            }
            _savedVersion = snapshot.Version;
            foreach (var account in snapshot.Accounts.Where(a => a.HasBeenAttempted))
            {
                await _context.Store.SaveInventoryAccountAsync(InventoryState.ToRecord(account)).ConfigureAwait(false);
            }
            await _findings.PublishAsync(_context.InventoryState.Index, await SshBypassesAsync(snapshot).ConfigureAwait(false), CancellationToken.None).ConfigureAwait(false);
        }
        catch (Exception ex)
        {
            // Saving is for other readers; the live index is already updated, so log and carry on (the next refresh retries).
            _logger.LogWarning(ex, "could not save the inventory snapshot or its findings to the store");
        }
        finally
        {
            _saving.Release();
        }
    }

    /// <summary>
    /// The SSH bypasses the snapshot shows, plus the open ones of accounts it could not check (not refreshed yet, or
    /// security groups unreadable): those stay open rather than close and open again once the account is read.
    /// </summary>
    private async Task<IReadOnlyDictionary<string, IReadOnlyList<InventoryFinding>>> SshBypassesAsync(Ec2Snapshot snapshot)
    {
        var found = SshBypassDetector.Find(snapshot);
        var notChecked = SshBypassDetector.UncheckedAccounts(snapshot).ToHashSet(StringComparer.Ordinal);
        var kept = notChecked.Count == 0 ? [] : (await _context.Store.ListInventoryFindingsAsync().ConfigureAwait(false))
            .Where(f => f.Kind == InventoryFindingKinds.SshBypass && notChecked.Contains(f.AccountId)).ToList();
        return new Dictionary<string, IReadOnlyList<InventoryFinding>> { [InventoryFindingKinds.SshBypass] = [.. found, .. kept] };
    }

    private void OnAccountFailed(Ec2AccountStatus status, Exception error)
    {
        // Audit the first failure of a run (and every 10th), not every retry: the status command shows the rest.
        if (status.ConsecutiveFailures % 10 != 1)
        {
            return;
        }
        _ = _context.Audit.AppendAsync(new AuditEvent("inventory.refresh_failed", AuditSeverity.Warning)
        {
            Data = new Dictionary<string, string>
            {
                ["account_id"] = status.Account.Id,
                ["account_alias"] = status.Account.Alias,
                ["error"] = error.Message,
                ["consecutive_failures"] = status.ConsecutiveFailures.ToString(System.Globalization.CultureInfo.InvariantCulture),
                ["serving_data_from"] = status.LastSuccess?.ToString("O") ?? "never",
            },
        }).AsTask();
    }

    private void OnAccountRecovered(Ec2AccountStatus status) =>
        _ = _context.Audit.AppendAsync(new AuditEvent("inventory.recovered", AuditSeverity.Info)
        {
            Data = new Dictionary<string, string>
            {
                ["account_id"] = status.Account.Id,
                ["account_alias"] = status.Account.Alias,
                ["instances"] = status.Instances.Count.ToString(System.Globalization.CultureInfo.InvariantCulture),
            },
        }).AsTask();
}
