using Bastion.FakeAws;
using Bastion.Gateway.Tests.Infrastructure;

namespace Bastion.Gateway.Tests.EndToEnd;

/// <summary>
/// Recorded mode logs the gateway in to the target itself, so the target's host key is pinned. A developer who
/// launches a new instance (a new id) at an address whose key is pinned must not get a fresh pin: the address is
/// pinned too, and another key there is refused like a changed key. Real sshd processes at one loopback alias, the
/// second with a new host key; real OpenSSH client; EC2 from the local fake.
/// </summary>
public sealed class RecordedAddressPinTests : IAsyncLifetime
{
    private const string DevA = "111111111111";

    private FakeAwsServer _aws = null!;
    private BastionTestbed _bed = null!;
    private SshdTarget? _instance;

    public async Task InitializeAsync()
    {
        // xUnit does not dispose a class whose initialisation failed: stop what was started, or its gateway and sshd
        // outlive the test run (and keep refreshing from a fake AWS that is gone).
        try
        {
            await StartAsync();
        }
        catch
        {
            await DisposeAsync();
            throw;
        }
    }

    private async Task StartAsync()
    {
        _aws = await FakeAwsServer.StartAsync();
        _aws.Model.AddAccount(DevA);
        var settings = FakeEc2Settings.DataEnvironment(_aws.ServiceUrl, [(DevA, "dev-a", FakeEc2Settings.WideRanges)]);
        _bed = await BastionTestbed.StartAsync(FakeEc2Settings.Environment, settings, "--Bastion:Recording:AllowedTargetUsers:0=root");
    }

    public async Task DisposeAsync()
    {
        if (_instance is not null)
        {
            await _instance.DisposeAsync();
        }
        if (_bed is not null)
        {
            await _bed.DisposeAsync();
        }
        if (_aws is not null)
        {
            await _aws.DisposeAsync();
        }
    }

    [Fact]
    public async Task A_new_instance_at_a_pinned_address_with_another_host_key_is_refused()
    {
        var gatewayKey = (await GatewayCli.RunCheckedAsync(_bed.DataDirectory, "recording", "client-key")).StandardOutput.Trim();
        var (address, port) = LoopbackAddresses.Shared.NextEndpoint(22);
        _instance = await SshdTarget.StartAsync(new SshdTargetOptions { Address = address, Port = port, AuthorizedKeys = [gatewayKey] });
        var account = _aws.Model.Account(DevA);
        account.AddInstance(FakeEc2Settings.Region, FakeInstance.Create("i-0old", "rec-old", address.ToString()));
        await WaitForTargetAsync("rec-old");
        await _bed.AddAutomationUserAsync("pinner");
        var client = _bed.NewClient("pinner");

        var first = await client.Ssh.SshAsync(_bed.GatewayEndpoint("pinner"), "root@rec-old echo pinned-$((20+1))");
        Assert.True(first.Succeeded, first.Describe() + _bed.Logs());
        Assert.Equal("pinned-21\n", first.StandardOutput);

        // The old instance goes; a new one, with a new id and another host key, takes its address.
        await _instance.DisposeAsync();
        _instance = await SshdTarget.StartAsync(new SshdTargetOptions { Address = address, Port = port, AuthorizedKeys = [gatewayKey] });
        account.RemoveInstance("i-0old");
        account.AddInstance(FakeEc2Settings.Region, FakeInstance.Create("i-0new", "rec-new", address.ToString()));
        await WaitForTargetAsync("rec-new");

        var second = await client.Ssh.SshAsync(_bed.GatewayEndpoint("pinner"), "root@rec-new echo should-not-run");

        Assert.False(second.Succeeded);
        Assert.DoesNotContain("should-not-run", second.StandardOutput, StringComparison.Ordinal);
        Assert.Contains($"the host key of rec-new changed (at {address})", second.StandardError, StringComparison.Ordinal);

        // An administrator who knows the address was handed over forgets its pins; the next login pins the new key.
        var forget = await GatewayCli.RunCheckedAsync(_bed.DataDirectory, "target", "forget-host-key", "rec-new");
        Assert.Contains($"for address:{address}", forget.StandardOutput, StringComparison.Ordinal);
        var third = await client.Ssh.SshAsync(_bed.GatewayEndpoint("pinner"), "root@rec-new echo repinned");
        Assert.True(third.Succeeded, third.Describe() + _bed.Logs());
    }

    private async Task WaitForTargetAsync(string name)
    {
        var deadline = DateTime.UtcNow.AddSeconds(30);
        ProcessResult last;
        do
        {
            last = await GatewayCli.RunAsync(_bed.DataDirectory, "inventory", "resolve", name);
            if (last.ExitCode == 0)
            {
                return;
            }
            await Task.Delay(500);
        }
        while (DateTime.UtcNow < deadline);
        throw new TimeoutException($"{name} did not resolve within 30 s: {last.Describe()}");
    }
}
