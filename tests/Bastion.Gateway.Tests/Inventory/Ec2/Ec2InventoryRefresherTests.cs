using Amazon.Runtime;
using Bastion.FakeAws;
using Bastion.Gateway.Inventory.Ec2;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging.Abstractions;

namespace Bastion.Gateway.Tests.Inventory.Ec2;

/// <summary>
/// The refresher's loops with the real SDK against the fake AWS. The gateway's clock is fake: the test moves
/// it to the next due time, and waits (bounded, in real time) for the event that proves the refresh ran.
/// </summary>
public sealed class Ec2InventoryRefresherTests : IAsyncLifetime
{
    private Ec2TestBed _bed = null!;

    public async Task InitializeAsync() => _bed = await Ec2TestBed.StartAsync();

    public async Task DisposeAsync() => await _bed.DisposeAsync();

    [Fact]
    public async Task A_throttled_account_backs_off_then_recovers()
    {
        var account = _bed.Account("111111111111", "dev-a");
        _bed.Model.Account(account.Id).AddInstance("eu-west-1", FakeInstance.Create("i-0aaa", "web-1", "10.1.0.5"));
        _bed.Model.Account(account.Id).ThrottleNextDescribeCalls(1);
        var options = _bed.Options(account);
        options.ThrottleBackoffSeconds = 10;
        var inventory = _bed.Inventory(options);
        var failed = new TaskCompletionSource<(Ec2AccountStatus Status, Exception Error)>(TaskCreationOptions.RunContinuationsAsynchronously);
        var recovered = new TaskCompletionSource<Ec2AccountStatus>(TaskCreationOptions.RunContinuationsAsynchronously);
        inventory.AccountFailed += (s, e) => failed.TrySetResult((s, e));
        inventory.AccountRecovered += s => recovered.TrySetResult(s);
        using var refresher = new Ec2InventoryRefresher(inventory, _bed.Time, NullLogger<Ec2InventoryRefresher>.Instance);

        await refresher.StartAsync(CancellationToken.None);
        try
        {
            var (status, error) = await failed.Task.WaitAsync(Ec2TestBed.Patience);
            Assert.IsType<Ec2ThrottledException>(error);
            Assert.True(status.IsStale);
            Assert.Equal(_bed.Time.GetUtcNow() + TimeSpan.FromSeconds(10), status.NextAttemptAt);
            Assert.False(recovered.Task.IsCompleted);

            _bed.Time.Advance(TimeSpan.FromSeconds(10));
            var back = await recovered.Task.WaitAsync(Ec2TestBed.Patience);

            Assert.False(back.IsStale);
            Assert.Equal(["web-1"], back.Instances.Select(i => i.Name));
            Assert.Equal(_bed.Time.GetUtcNow() + TimeSpan.FromSeconds(60), back.NextAttemptAt);
            Assert.Equal(2, _bed.Model.CallCount("DescribeInstances", account.Id));
            Assert.Equal(1, _bed.Model.CallCount("AssumeRole", account.Id)); // throttling does not discard the role credentials
        }
        finally
        {
            await refresher.StopAsync(CancellationToken.None);
        }
    }

    [Fact]
    public async Task An_unauthorized_account_goes_stale_while_the_others_keep_refreshing()
    {
        var a = _bed.Account("111111111111", "dev-a");
        var b = _bed.Account("222222222222", "dev-b", "eu-west-1", "us-east-1");
        _bed.Model.Account(a.Id).AddInstance("eu-west-1", FakeInstance.Create("i-0aaa", "web-1", "10.1.0.5"));
        _bed.Model.Account(b.Id).AddInstance("us-east-1", FakeInstance.Create("i-0bbb", "db-1", "10.2.0.5"));
        var inventory = _bed.Inventory(_bed.Options(a, b));
        using var refresher = new Ec2InventoryRefresher(inventory, _bed.Time, NullLogger<Ec2InventoryRefresher>.Instance);

        await refresher.StartAsync(CancellationToken.None);
        try
        {
            Assert.True(await inventory.WaitForFirstRefreshAsync(TimeSpan.FromMinutes(1)).WaitAsync(Ec2TestBed.Patience));
            var firstSuccess = _bed.Time.GetUtcNow();
            Assert.Equal(["web-1", "db-1"], inventory.Current.Instances.Select(i => i.Name));

            _bed.Model.Account(b.Id).DenyDescribeInstances = true;
            _bed.Model.Account(a.Id).AddInstance("eu-west-1", FakeInstance.Create("i-0aab", "web-2", "10.1.0.6"));
            var bFailed = new TaskCompletionSource<Exception>(TaskCreationOptions.RunContinuationsAsynchronously);
            var aRefreshed = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
            inventory.AccountFailed += (s, e) =>
            {
                if (s.Account.Id == b.Id)
                {
                    bFailed.TrySetResult(e);
                }
            };
            inventory.Updated += s =>
            {
                if (s.FindAccount(a.Id)!.Instances.Count == 2)
                {
                    aRefreshed.TrySetResult();
                }
            };
            _bed.Time.Advance(TimeSpan.FromSeconds(60));
            var error = await bFailed.Task.WaitAsync(Ec2TestBed.Patience);
            await aRefreshed.Task.WaitAsync(Ec2TestBed.Patience);

            var snapshot = inventory.Current;
            var statusA = snapshot.FindAccount("dev-a")!;
            var statusB = snapshot.FindAccount("dev-b")!;
            Assert.False(statusA.IsStale);
            Assert.Equal(["web-1", "web-2"], statusA.Instances.Select(i => i.Name));
            Assert.True(statusB.IsStale);
            Assert.Equal(["db-1"], statusB.Instances.Select(i => i.Name));
            Assert.Equal("UnauthorizedOperation", Assert.IsAssignableFrom<Ec2FetchException>(error).ErrorCode);
            Assert.Contains("UnauthorizedOperation", statusB.LastError, StringComparison.Ordinal);
            Assert.Contains("dev-b", statusB.LastError, StringComparison.Ordinal);
            Assert.Equal(firstSuccess, statusB.LastSuccess);
            Assert.Equal(TimeSpan.FromSeconds(60), statusB.SnapshotAge(_bed.Time.GetUtcNow()));
            Assert.Equal(["web-1", "web-2", "db-1"], snapshot.Instances.Select(i => i.Name));
        }
        finally
        {
            await refresher.StopAsync(CancellationToken.None);
        }
    }

    [Fact]
    public async Task The_host_runs_the_refresher_registered_by_AddEc2Inventory()
    {
        var account = _bed.Account("111111111111", "dev-a");
        _bed.Model.Account(account.Id).AddInstance("eu-west-1", FakeInstance.Create("i-0aaa", "web-1", "10.1.0.5"));
        var builder = Host.CreateApplicationBuilder(new HostApplicationBuilderSettings { DisableDefaults = true });
        builder.Services.AddSingleton<AWSCredentials>(Ec2TestBed.BaseCredentials); // else the SDK's default chain
        builder.Services.AddEc2Inventory(_bed.Options(account));
        using var host = builder.Build();

        await host.StartAsync();
        try
        {
            var inventory = host.Services.GetRequiredService<Ec2Inventory>();
            Assert.True(await inventory.WaitForFirstRefreshAsync(Ec2TestBed.Patience));
            Assert.Equal(["web-1"], inventory.Current.Instances.Select(i => i.Name));
        }
        finally
        {
            await host.StopAsync();
        }
    }
}
