using Bastion.Core.Inventory;

namespace Bastion.Gateway.Tests.Inventory.Dns;

/// <summary>
/// A small inventory covering each DNS rule: a unique running name with two addresses, a name in two accounts,
/// a stopped instance, and a dotted Name tag. Addresses are only data here; nothing dials them.
/// </summary>
internal static class DnsTestInventory
{
    public const string Zone = "dev.example";

    public static InstanceIndex Create() => new(
    [
        Instance("web-1", "i-0web1", "dev-a", "running", "127.0.10.5", "10.20.0.5"),
        Instance("db", "i-0dba", "dev-a", "running", "127.0.10.6"),
        Instance("db", "i-0dbb", "dev-b", "running", "127.0.10.7"),
        Instance("batch", "i-0batch", "dev-b", "stopped", "127.0.10.8"),
        Instance("api.internal", "i-0api", "dev-b", "running", "127.0.10.9"),
    ]);

    public static ResolvedTarget Instance(string name, string instanceId, string accountAlias, string state, params string[] privateIps) =>
        new(
            name,
            privateIps[0],
            22,
            accountAlias,
            new Dictionary<string, string> { ["Name"] = name },
            "ec2",
            new InstanceDetails(
                instanceId,
                AccountId: accountAlias == "dev-a" ? "111111111111" : "222222222222",
                accountAlias,
                Region: "eu-west-1",
                VpcId: "vpc-1",
                state,
                privateIps,
                PrivateDnsName: null,
                LaunchTime: null,
                DataAsOf: DateTimeOffset.UnixEpoch));
}
