using System.Globalization;
using Bastion.FakeAws;
using Bastion.Gateway.Tests.Infrastructure;

namespace Bastion.Gateway.Tests.EndToEnd;

/// <summary>
/// An account whose refresh keeps failing stops resolving once its list is older than MaxStaleSeconds: an address in
/// an old list may have been given to another instance since. Real gateway, fake EC2 whose account starts refusing
/// DescribeInstances, a real OpenSSH client; doctor fails and says so; the other account keeps working.
/// </summary>
public sealed class StaleInventoryTests : IAsyncLifetime
{
    private const string DevA = "111111111111";
    private const string DevB = "222222222222";

    private FakeAwsServer _aws = null!;
    private BastionTestbed _bed = null!;

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
        _aws.Model.AddAccount(DevB);
        var settings = FakeEc2Settings.DataEnvironment(_aws.ServiceUrl,
            [(DevA, "dev-a", FakeEc2Settings.WideRanges), (DevB, "dev-b", ["127.0.15.0/24"])], refreshSeconds: 1, maxStaleSeconds: 3);
        _bed = await BastionTestbed.StartAsync(FakeEc2Settings.Environment, settings);
        await GatewayCli.RunCheckedAsync(_bed.DataDirectory, "target", "remove", BastionTestbed.TargetName);
        _aws.Model.Account(DevA).AddInstance(FakeEc2Settings.Region, FakeInstance.Create("i-0fresh", "fresh-1", _bed.Target.Address.ToString()));
        _aws.Model.Account(DevB).AddInstance(FakeEc2Settings.Region, FakeInstance.Create("i-0other", "other-1", "127.0.15.40"));
    }

    public async Task DisposeAsync()
    {
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
    public async Task A_refresh_failing_past_MaxStaleSeconds_refuses_the_accounts_names_with_the_reason_and_doctor_fails()
    {
        await _bed.AddAutomationUserAsync("stale");
        var client = _bed.NewClient("stale");
        client.Ssh.TrustHostKey("fresh-1.dev", 22, _bed.Target.HostKeyLine);
        var before = await RetryAsync(() => client.Ssh.SshAsync("fresh-1.dev", "echo fresh"), r => r.Succeeded, "fresh-1 to resolve");
        Assert.Equal("fresh\n", before.StandardOutput);

        _aws.Model.Account(DevA).DenyDescribeInstances = true;
        var refused = await RetryAsync(() => client.Ssh.SshAsync("fresh-1.dev", "true"),
            r => r.StandardError.Contains("whose instance list was last read", StringComparison.Ordinal), "fresh-1 to be refused as stale");

        Assert.False(refused.Succeeded);
        Assert.Contains("fresh-1 is in account dev-a, whose instance list was last read", refused.StandardError, StringComparison.Ordinal);
        Assert.Contains("its refresh fails: ec2:DescribeInstances", refused.StandardError, StringComparison.Ordinal);
        Assert.Contains("older than 3 s", refused.StandardError, StringComparison.Ordinal);
        // The healthy account still resolves (nothing listens there; resolution is what is checked).
        var other = await GatewayCli.RunAsync(_bed.DataDirectory, "inventory", "resolve", "other-1");
        Assert.Contains("other-1 → other-1 at 127.0.15.40:22", other.StandardOutput, StringComparison.Ordinal);

        var doctor = await ProcessRunner.RunAsync(GatewayBinary.Spec(_bed.DataDirectory,
            ["doctor", $"--Bastion:Ssh:ListenAddress={_bed.Gateway.Address}", $"--Bastion:Ssh:Port={_bed.Gateway.Port.ToString(CultureInfo.InvariantCulture)}"]));
        Assert.Equal(1, doctor.ExitCode);
        Assert.Contains(doctor.StandardOutput.Split('\n'), l => l.StartsWith("FAIL inventory", StringComparison.Ordinal)
            && l.Contains("1 of 2 accounts not resolving (dev-a)", StringComparison.Ordinal));
        var status = await GatewayCli.RunCheckedAsync(_bed.DataDirectory, "inventory", "status");
        Assert.Contains("Accounts marked RESOLVING NO", status.StandardOutput, StringComparison.Ordinal);

        _aws.Model.Account(DevA).DenyDescribeInstances = false;
        var back = await RetryAsync(() => client.Ssh.SshAsync("fresh-1.dev", "echo back"), r => r.Succeeded, "fresh-1 to resolve again");
        Assert.Equal("back\n", back.StandardOutput);
    }

    /// <summary>Runs <paramref name="attempt"/> until <paramref name="done"/> (at most 30 s, a second apart).</summary>
    private async Task<ProcessResult> RetryAsync(Func<Task<ProcessResult>> attempt, Func<ProcessResult, bool> done, string what)
    {
        var deadline = DateTime.UtcNow.AddSeconds(30);
        ProcessResult last;
        do
        {
            last = await attempt();
            if (done(last))
            {
                return last;
            }
            await Task.Delay(1000);
        }
        while (DateTime.UtcNow < deadline);
        throw new TimeoutException($"waited 30 s for {what}; last attempt: {last.Describe()}{_bed.Logs()}");
    }
}
