using System.Net;
using Bastion.Core.Inventory;
using Bastion.Gateway.Inventory;
using Bastion.Gateway.Inventory.Ec2;

namespace Bastion.Gateway.Tests.Inventory.Untrusted;

/// <summary>
/// Two developer accounts whose developers try what the issue describes: squatting names of the other account's
/// instances, addresses outside their ranges, a Name tag with a terminal escape. Built through the real vetting
/// (<see cref="InstanceTargets.Index"/>); addresses are only data here, nothing dials them.
/// </summary>
internal static class UntrustedInventory
{
    public const string AliceAccount = "111111111111";
    public const string BobAccount = "222222222222";

    public static readonly DateTimeOffset ReadAt = new(2026, 12, 7, 6, 0, 0, TimeSpan.Zero);

    public static InventoryAddressPolicy Policy() => new(
        [new ProtectedRange(IPNetwork.Parse("10.99.0.0/16"), "Bastion:Inventory:ProtectedCidrs")],
        new Dictionary<string, IReadOnlyList<IPNetwork>>
        {
            [AliceAccount] = [IPNetwork.Parse("10.10.0.0/16"), IPNetwork.Parse("10.99.5.0/24")],
            [BobAccount] = [IPNetwork.Parse("10.20.0.0/16")],
        });

    public static IReadOnlyList<AccountInstances> Accounts(DateTimeOffset? bobReadAt = null) =>
    [
        new(AliceAccount, "dev-alice", [
            Instance(AliceAccount, "dev-alice", "i-0a1", "web-1", "10.10.0.5", "ip-10-10-0-5.eu-west-1.compute.internal"),
            Instance(AliceAccount, "dev-alice", "i-0a2", "db", "10.10.0.6", "ip-10-10-0-6.eu-west-1.compute.internal"),
            // Inside the account's ranges but also a protected range: never dialled.
            Instance(AliceAccount, "dev-alice", "i-0a3", "prod-peek", "10.99.5.9", null),
        ], ReadAt, null),
        new(BobAccount, "dev-bob", [
            Instance(BobAccount, "dev-bob", "i-0b1", "web-1.dev-alice", "10.20.0.7", "ip-10-20-0-7.eu-west-1.compute.internal"),
            Instance(BobAccount, "dev-bob", "i-0b2", "ip-10-10-0-5", "10.20.0.8", null),
            Instance(BobAccount, "dev-bob", "i-0b3", "i-0a2", "10.20.0.9", null),
            Instance(BobAccount, "dev-bob", "i-0b4", "shadow", "10.10.0.6", null), // Alice's db address, outside Bob's ranges
            Instance(BobAccount, "dev-bob", "i-0b5", "evil\u001b[2J", "10.20.0.10", null),
            Instance(BobAccount, "dev-bob", "i-0b6", "api", "10.20.0.11", null),
            Instance(BobAccount, "dev-bob", "i-0b7", "10.10.0.5", "10.20.0.12", null),
        ], bobReadAt ?? ReadAt, null),
    ];

    public static InstanceIndex Index(DateTimeOffset? bobReadAt = null) => InstanceTargets.Index(Accounts(bobReadAt), Policy());

    public static Ec2Instance Instance(string accountId, string alias, string id, string? name, string ip, string? privateDns) => new(
        id, name, "running", [ip], privateDns, "vpc-1", accountId, alias, "eu-west-1",
        name is null ? new Dictionary<string, string>() : new Dictionary<string, string> { ["Name"] = name }, null);
}
