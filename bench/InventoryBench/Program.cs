using System.Diagnostics;
using System.Globalization;
using System.Net;
using Amazon.Runtime;
using Bastion.Core.Inventory;
using Bastion.FakeAws;
using Bastion.Gateway.Inventory;
using Bastion.Gateway.Inventory.Ec2;
using Microsoft.Extensions.Logging.Abstractions;

// Usage: InventoryBench FAKE_URL ACCOUNTS REGIONS [LOOKUPS]
// Refreshes every generated account from the fake AWS (a separate process) the way the gateway's refresher does,
// reports cold/warm refresh time and the snapshot's memory, then times name resolution on the resulting index.
if (args.Length < 3)
{
    Console.Error.WriteLine("usage: InventoryBench FAKE_URL ACCOUNTS REGIONS [LOOKUPS]");
    return 2;
}
var url = args[0];
var accounts = int.Parse(args[1], CultureInfo.InvariantCulture);
var regions = args[2].Split(',');
var lookups = args.Length > 3 ? int.Parse(args[3], CultureInfo.InvariantCulture) : 2_000_000;

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
        Cidrs = [FakeModelGenerator.AccountCidr(i)],
    }).ToList(),
};
var problems = options.Validate();
if (problems.Count > 0)
{
    Console.Error.WriteLine(string.Join("\n", problems));
    return 2;
}
var credentials = new BasicAWSCredentials(FakeAwsModel.DefaultBaseAccessKeyId, FakeAwsModel.DefaultBaseSecretAccessKey);
using var fetcher = new Ec2AccountFetcher(options, TimeProvider.System, NullLogger<Ec2AccountFetcher>.Instance, credentials);
var inventory = new Ec2Inventory(options, fetcher, TimeProvider.System, NullLogger<Ec2Inventory>.Instance);
var baseline = GC.GetTotalMemory(forceFullCollection: true);

var cold = Stopwatch.StartNew();
await inventory.RefreshNowAsync(CancellationToken.None);
cold.Stop();
var warm = Stopwatch.StartNew();
await inventory.RefreshNowAsync(CancellationToken.None);
warm.Stop();
var snapshot = inventory.Current;
var stale = snapshot.Accounts.Where(a => a.IsStale).ToList();
if (stale.Count > 0)
{
    Console.Error.WriteLine($"{stale.Count} accounts failed: {stale[0].LastError}");
    return 1;
}
var snapshotBytes = GC.GetTotalMemory(forceFullCollection: true) - baseline;

// The address policy is made once when the gateway starts (it lists this host's addresses), not at each refresh.
var policy = InventoryAddressPolicy.From(new Bastion.Hosting.Configuration.InventoryOptions { Ec2 = options });
var indexTimer = Stopwatch.StartNew();
var index = InstanceTargets.Index(
    snapshot.Accounts.Select(a => new AccountInstances(a.Account.Id, a.Account.Alias, a.Instances, a.LastSuccess, a.LastError)).ToList(), policy);
indexTimer.Stop();
// The gateway rebuilds the index at every refresh; the first build above also pays for compiling the code.
var rebuildTimer = Stopwatch.StartNew();
GC.KeepAlive(InstanceTargets.Index(
    snapshot.Accounts.Select(a => new AccountInstances(a.Account.Id, a.Account.Alias, a.Instances, a.LastSuccess, a.LastError)).ToList(), policy));
rebuildTimer.Stop();
var indexBytes = GC.GetTotalMemory(forceFullCollection: true) - baseline - snapshotBytes;
var resolver = new InstanceResolver(() => index, new InstanceResolverOptions { DomainSuffixes = ["dev"], MaxStale = TimeSpan.FromSeconds(options.MaxStaleSeconds) });

// What users type: unique names with account alias and suffix, instance ids and private IPs, in a fixed mix.
var running = index.All.Where(t => t.Instance!.IsRunning).ToArray();
var random = new Random(42);
var queries = Enumerable.Range(0, 4096).Select(i =>
{
    var target = running[random.Next(running.Length)];
    return (i % 3) switch
    {
        0 => $"{target.Name}.{target.Instance!.AccountAlias}.dev",
        1 => target.Instance!.InstanceId,
        _ => target.Host,
    };
}).ToArray();
foreach (var query in queries)
{
    if (!resolver.Resolve(query).Succeeded)
    {
        Console.Error.WriteLine($"benchmark query {query} did not resolve: {resolver.Resolve(query).Error}");
        return 1;
    }
}
var reverse = running.Take(4096).Select(t => IPAddress.Parse(t.Host)).ToArray();

var allocatedBefore = GC.GetAllocatedBytesForCurrentThread();
var timer = Stopwatch.StartNew();
var found = 0;
for (var i = 0; i < lookups; i++)
{
    found += resolver.Resolve(queries[i & 4095]).Succeeded ? 1 : 0;
}
timer.Stop();
var allocatedPerLookup = (GC.GetAllocatedBytesForCurrentThread() - allocatedBefore) / (double)lookups;
var reverseTimer = Stopwatch.StartNew();
for (var i = 0; i < lookups; i++)
{
    found += index.ByAddress(reverse[i & 4095]) is null ? 0 : 1;
}
reverseTimer.Stop();

var count = snapshot.Instances.Count;
var ns = timer.Elapsed.TotalMilliseconds * 1e6 / lookups;
var reverseNs = reverseTimer.Elapsed.TotalMilliseconds * 1e6 / lookups;
Console.WriteLine(string.Create(CultureInfo.InvariantCulture, $"""
    accounts                              {accounts} ({string.Join(",", regions)})
    instances in snapshot                 {count} (terminated excluded)
    full refresh, cold (AssumeRole + all) {cold.Elapsed.TotalSeconds:F2} s
    full refresh, warm (cached roles)     {warm.Elapsed.TotalSeconds:F2} s
    snapshot memory held                  {snapshotBytes / 1048576.0:F1} MiB ({(count == 0 ? 0 : snapshotBytes / count)} bytes per instance)
    lookup index build                    {indexTimer.Elapsed.TotalMilliseconds:F0} ms, {indexBytes / 1048576.0:F1} MiB
    index rebuilt at a refresh            {rebuildTimer.Elapsed.TotalMilliseconds:F0} ms
    forward lookups (name.alias.dev, id, IP) {lookups / timer.Elapsed.TotalSeconds / 1e6:F2} M/s, {ns:F0} ns each, {allocatedPerLookup:F0} bytes allocated each
    reverse lookups (IP → instance)       {lookups / reverseTimer.Elapsed.TotalSeconds / 1e6:F2} M/s, {reverseNs:F0} ns each
    """));
GC.KeepAlive(found);
return ns < 1000 ? 0 : 1;
