using System.Globalization;
using System.Text.Json;
using Bastion.Gateway.Tests.Failures;

namespace Bastion.Gateway.Tests.Infrastructure;

/// <summary>
/// tests/fixtures/load/limit_load.py against a <see cref="BastionTestbed"/>: an automation account "load" (key only,
/// per-user caps off at the gateway's command line) and a target "echo" that the load client serves itself, so one
/// asyncssh process can hold hundreds of forwarded sessions and check data through each of them.
/// </summary>
public sealed class LoadClient
{
    /// <summary>Serve arguments the load needs: no pre-auth per-source limit, no per-user caps for the load account.</summary>
    public static readonly string[] ServeArgs =
    [
        "--Bastion:Ssh:MaxUnauthenticatedPerSource=0", "--Bastion:Ssh:MaxUnauthenticatedConnections=200",
        "--Bastion:Limits:Automation:ConnectionsPerUser=0", "--Bastion:Limits:Automation:ChannelsPerUser=0", "--Bastion:Limits:Automation:ChannelOpensPerMinute=0",
    ];

    private readonly BastionTestbed _bed;
    private readonly SshKeyPair _key;
    private readonly string _knownHosts;
    private readonly IPEndPointText _echo;

    private sealed record IPEndPointText(string Address, string Port);

    private LoadClient(BastionTestbed bed, SshKeyPair key, string knownHosts, IPEndPointText echo)
    {
        _bed = bed;
        _key = key;
        _knownHosts = knownHosts;
        _echo = echo;
    }

    /// <summary>Checks python3-asyncssh, adds the account and the echo target.</summary>
    public static async Task<LoadClient> PrepareAsync(BastionTestbed bed)
    {
        Tools.Require(Tools.Python3);
        var python = await ProcessRunner.RunAsync(Tools.Python3, "-c", "import asyncssh");
        Assert.True(python.Succeeded, $"python3-asyncssh is needed for this test: apt-get install -y python3-asyncssh\n{python.Describe()}");
        var home = bed.Directory.SubDirectory("load");
        var key = await SshKeyPair.GenerateAsync(home, SshKeyType.Ed25519);
        await GatewayCli.AddUserAsync(bed.DataDirectory, "load", automation: true);
        await GatewayCli.AddKeyAsync(bed.DataDirectory, "load", key);
        await GatewayCli.AllowAsync(bed.DataDirectory, "load", "*");
        var (address, port) = LoopbackAddresses.Shared.NextEndpoint(7000);
        var echo = new IPEndPointText(address.ToString(), port.ToString(CultureInfo.InvariantCulture));
        await GatewayCli.AddTargetAsync(bed.DataDirectory, "echo", $"{echo.Address}:{echo.Port}");
        var knownHosts = Path.Combine(home, "known_hosts");
        await File.WriteAllTextAsync(knownHosts, KnownHosts.Line(bed.Gateway.Address.ToString(), bed.Gateway.Port, bed.GatewayHostKey) + "\n");
        return new LoadClient(bed, key, knownHosts, echo);
    }

    /// <summary>Runs one load (open, extra channels, checksummed rounds, close) and returns its JSON report.</summary>
    public async Task<JsonElement> RunAsync(int connections, int extraChannels = 0, int rounds = 3, int concurrency = 40)
    {
        var load = await ProcessRunner.RunAsync(new ProcessSpec(Tools.Python3,
        [
            Path.Combine(RepositoryRoot.Path, "tests", "fixtures", "load", "limit_load.py"),
            "--host", _bed.Gateway.Address.ToString(), "--port", _bed.Gateway.Port.ToString(CultureInfo.InvariantCulture),
            "--user", "load", "--key", _key.PrivateKeyPath, "--known-hosts", _knownHosts,
            "--target-host", "echo", "--target-port", _echo.Port, "--echo-listen", $"{_echo.Address}:{_echo.Port}",
            "--connections", connections.ToString(CultureInfo.InvariantCulture), "--extra-channels", extraChannels.ToString(CultureInfo.InvariantCulture),
            "--rounds", rounds.ToString(CultureInfo.InvariantCulture), "--chunk", "16384",
            "--concurrency", concurrency.ToString(CultureInfo.InvariantCulture), "--timeout", "240",
        ])
        { Timeout = TimeSpan.FromMinutes(8) });
        Assert.True(load.Succeeded, $"the load client failed\n{load.Describe()}\n{_bed.Logs()}");
        return JsonDocument.Parse(load.StandardOutput.Trim().Split('\n')[^1]).RootElement.Clone();
    }

    /// <summary>The refusals of one kind in a report, by message.</summary>
    public static Dictionary<string, int> Counts(JsonElement report, string name) =>
        report.GetProperty(name).EnumerateObject().ToDictionary(p => p.Name, p => p.Value.GetInt32());
}
