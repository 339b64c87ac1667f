using System.Diagnostics;
using System.Globalization;
using Bastion.FakeAws;
using Bastion.Gateway.Inventory.Ec2;
using Microsoft.Extensions.Logging.Abstractions;

namespace Bastion.Gateway.Tests.Inventory.Ec2;

/// <summary>
/// The fetch half of bench/inventory.sh: full refreshes of many accounts from a fake AWS running as a separate
/// process, and the memory the resulting snapshot holds. Does nothing unless the script sets
/// BASTION_BENCH_FAKEAWS_URL (so the regular suite stays fast); figures go to BASTION_BENCH_RESULTS.
/// </summary>
public sealed class Ec2FetchBenchmark
{
    [Fact]
    public async Task Full_refresh_of_the_generated_accounts()
    {
        var url = Environment.GetEnvironmentVariable("BASTION_BENCH_FAKEAWS_URL");
        if (string.IsNullOrEmpty(url))
        {
            return; // not run by the benchmark script
        }
        var accounts = int.Parse(Environment.GetEnvironmentVariable("BASTION_BENCH_ACCOUNTS") ?? "50", CultureInfo.InvariantCulture);
        var regions = (Environment.GetEnvironmentVariable("BASTION_BENCH_REGIONS") ?? "eu-west-1").Split(',');
        var results = Environment.GetEnvironmentVariable("BASTION_BENCH_RESULTS") ?? "/dev/stdout";
        var options = new Ec2InventoryOptions
        {
            Enabled = true,
            Ec2ServiceUrl = url,
            StsServiceUrl = url,
            RequestTimeoutSeconds = 60,
            Accounts = Enumerable.Range(0, accounts).Select(i => new Ec2AccountOptions
            {
                Id = FakeModelGenerator.AccountId(i),
                Alias = FakeModelGenerator.AccountAlias(i),
                RoleArn = $"arn:aws:iam::{FakeModelGenerator.AccountId(i)}:role/bastion-inventory",
                Regions = regions.ToList(),
            }).ToList(),
        };
        Assert.Empty(options.Validate());
        using var fetcher = new Ec2AccountFetcher(options, TimeProvider.System, NullLogger<Ec2AccountFetcher>.Instance, Ec2TestBed.BaseCredentials);
        var inventory = new Ec2Inventory(options, fetcher, TimeProvider.System, NullLogger<Ec2Inventory>.Instance);
        var baseline = GC.GetTotalMemory(forceFullCollection: true);

        var cold = Stopwatch.StartNew();
        await inventory.RefreshNowAsync(CancellationToken.None);
        cold.Stop();
        var warm = Stopwatch.StartNew();
        await inventory.RefreshNowAsync(CancellationToken.None);
        warm.Stop();
        var snapshot = inventory.Current;
        var held = GC.GetTotalMemory(forceFullCollection: true) - baseline;

        Assert.All(snapshot.Accounts, a => Assert.False(a.IsStale, a.LastError));
        var count = snapshot.Instances.Count;
        await File.AppendAllTextAsync(results, string.Create(CultureInfo.InvariantCulture, $"""
            accounts                              {accounts} ({string.Join(",", regions)})
            instances in snapshot                 {count} (terminated excluded)
            full refresh, cold (AssumeRole + all) {cold.Elapsed.TotalSeconds:F2} s
            full refresh, warm (cached roles)     {warm.Elapsed.TotalSeconds:F2} s
            snapshot memory held                  {held / 1048576.0:F1} MiB ({(count == 0 ? 0 : held / count)} bytes per instance)

            """));
        GC.KeepAlive(snapshot);
    }
}
