using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;

namespace Bastion.Gateway.Inventory.Ec2;

/// <summary>
/// Keeps <see cref="Ec2Inventory"/> fresh: one loop per account, each refreshing when its status's
/// <see cref="Ec2AccountStatus.NextAttemptAt"/> comes, so a slow or throttled account never delays the others.
/// </summary>
public sealed class Ec2InventoryRefresher : BackgroundService
{
    private readonly Ec2Inventory _inventory;
    private readonly TimeProvider _time;
    private readonly ILogger<Ec2InventoryRefresher> _logger;

    public Ec2InventoryRefresher(Ec2Inventory inventory, TimeProvider time, ILogger<Ec2InventoryRefresher> logger)
    {
        _inventory = inventory ?? throw new ArgumentNullException(nameof(inventory));
        _time = time ?? throw new ArgumentNullException(nameof(time));
        _logger = logger ?? throw new ArgumentNullException(nameof(logger));
    }

    protected override Task ExecuteAsync(CancellationToken stoppingToken)
    {
        var accounts = _inventory.Current.Accounts.Select(a => a.Account).ToList();
        if (accounts.Count == 0)
        {
            return Task.CompletedTask;
        }
        _logger.LogInformation("EC2 inventory: refreshing {Count} accounts every {Seconds} s", accounts.Count, _inventory.Options.RefreshSeconds);
        return Task.WhenAll(accounts.Select(a => Task.Run(() => RunAccountAsync(a.Id, stoppingToken), CancellationToken.None)));
    }

    private async Task RunAccountAsync(string accountId, CancellationToken stoppingToken)
    {
        try
        {
            while (!stoppingToken.IsCancellationRequested)
            {
                await WaitUntilDueAsync(accountId, stoppingToken).ConfigureAwait(false);
                await _inventory.RefreshAccountAsync(accountId, stoppingToken).ConfigureAwait(false);
            }
        }
        catch (OperationCanceledException) when (stoppingToken.IsCancellationRequested)
        {
            // host stopping
        }
    }

    /// <summary>
    /// Waits until the account's next attempt is due. The due time is read from the published status (written
    /// before the refresh returns), and re-read after each wake-up, so a manual refresh in between pushes the
    /// scheduled one back instead of doubling it.
    /// </summary>
    private async Task WaitUntilDueAsync(string accountId, CancellationToken stoppingToken)
    {
        while (true)
        {
            var due = _inventory.Current.FindAccount(accountId)?.NextAttemptAt;
            var remaining = due is { } at ? at - _time.GetUtcNow() : TimeSpan.Zero;
            if (remaining <= TimeSpan.Zero)
            {
                return;
            }
            await Task.Delay(remaining, _time, stoppingToken).ConfigureAwait(false);
        }
    }
}
