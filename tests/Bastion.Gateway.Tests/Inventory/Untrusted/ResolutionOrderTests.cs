using ARSoft.Tools.Net;
using ARSoft.Tools.Net.Dns;
using Bastion.Core.Inventory;
using Bastion.Gateway.Inventory.Dns;
using Microsoft.Extensions.Logging.Abstractions;

namespace Bastion.Gateway.Tests.Inventory.Untrusted;

/// <summary>
/// One table, two readers: every name goes through the SSH resolver and the DNS responder, and both must land on
/// the same instance, or both refuse. Names a developer can set (Name tags) must never take over what another
/// account's instance is called by id, private DNS name, NAME.ALIAS or address.
/// </summary>
public sealed class ResolutionOrderTests
{
    private const string Zone = "dev.example";
    private static readonly TimeSpan MaxStale = TimeSpan.FromSeconds(900);

    public static TheoryData<string, string?> Names => new()
    {
        { "web-1", "i-0a1" },
        { "web-1.dev-alice", "i-0a1" },                    // NAME.ALIAS, never Bob's Name tag "web-1.dev-alice"
        { "ip-10-10-0-5", "i-0a1" },                       // the private DNS name, never Bob's Name tag "ip-10-10-0-5"
        { "ip-10-20-0-8", null },                          // Bob's instance has no private DNS name; nobody answers to it
        { "i-0a1", "i-0a1" },
        { "i-0a2", null },                                 // Alice's db (its address is claimed twice), never Bob's Name tag "i-0a2"
        { "i-0b3", "i-0b3" },                              // Bob's instance is reachable by its id
        { "api", "i-0b6" },
        { "api.dev-bob", "i-0b6" },
        { "10.10.0.5", "i-0a1" },                          // the address, never Bob's Name tag "10.10.0.5"
        { "db", null },                                    // Alice's db address is claimed by Bob's "shadow" too
        { "10.10.0.6", null },
        { "shadow", null },                                // outside Bob's ranges: not a target
        { "prod-peek", null },                             // in a protected range
        { "10.99.5.9", null },
        { "evil", null },
        { "nothing-here", null },
    };

    [Theory]
    [MemberData(nameof(Names))]
    public void Ssh_and_dns_resolve_each_name_to_the_same_instance_or_both_refuse(string name, string? instanceId)
    {
        var index = UntrustedInventory.Index();
        var now = UntrustedInventory.ReadAt.AddMinutes(1);

        var ssh = new InstanceResolver(() => index, new InstanceResolverOptions { DomainSuffixes = ["dev"], MaxStale = MaxStale }, new FixedTime(now)).Resolve(name);
        var dns = Ask($"{name}.{Zone}", index, now);

        Assert.Equal(instanceId, ssh.Target?.Instance?.InstanceId);
        var answered = dns.AnswerRecords.OfType<ARecord>().Select(a => a.Address.ToString()).ToList();
        if (instanceId is null)
        {
            Assert.False(ssh.Succeeded);
            Assert.Empty(answered);
        }
        else
        {
            Assert.Equal([ssh.Target!.Host], answered);
        }
    }

    [Fact]
    public void Refused_name_tags_are_listed_with_the_reason_and_their_instances_stay_reachable_by_id()
    {
        var index = UntrustedInventory.Index();

        var reasons = index.Rejected.ToDictionary(r => r.Instance.Instance!.InstanceId, r => r);
        Assert.Contains("ends in .dev-alice, an account alias", reasons["i-0b1"].Reason, StringComparison.Ordinal);
        Assert.Contains("looks like a private DNS name", reasons["i-0b2"].Reason, StringComparison.Ordinal);
        Assert.Contains("looks like an instance id", reasons["i-0b3"].Reason, StringComparison.Ordinal);
        Assert.Contains("has characters outside letters, digits", reasons["i-0b5"].Reason, StringComparison.Ordinal);
        Assert.Contains("looks like an IP address", reasons["i-0b7"].Reason, StringComparison.Ordinal);
        Assert.All(new[] { "i-0b1", "i-0b2", "i-0b3", "i-0b5", "i-0b7" }, id => Assert.True(reasons[id].IsTarget));
        Assert.Contains("outside the ranges registered for dev-bob (10.20.0.0/16)", reasons["i-0b4"].Reason, StringComparison.Ordinal);
        Assert.False(reasons["i-0b4"].IsTarget);
        Assert.Contains("in the protected range 10.99.0.0/16", reasons["i-0a3"].Reason, StringComparison.Ordinal);
        Assert.False(reasons["i-0a3"].IsTarget);
        Assert.Equal("i-0b5", index.ByInstanceId("i-0b5")!.Name);
    }

    [Fact]
    public void An_address_two_owners_claim_is_dialled_for_nobody_and_the_message_names_both()
    {
        var index = UntrustedInventory.Index();
        var resolver = new InstanceResolver(() => index, new InstanceResolverOptions(), new FixedTime(UntrustedInventory.ReadAt));

        var byName = resolver.Resolve("db");

        Assert.Equal(TargetFailure.AddressConflict, byName.Failure);
        Assert.Contains("its address 10.10.0.6 is claimed by db (i-0a2 in dev-alice) and shadow (i-0b4 in dev-bob)", byName.Error, StringComparison.Ordinal);
        Assert.Equal(TargetFailure.AddressConflict, resolver.Resolve("10.10.0.6").Failure);
        Assert.Null(index.ByAddress(System.Net.IPAddress.Parse("10.10.0.6")));
        var conflict = Assert.Single(index.Conflicts);
        Assert.Equal("10.10.0.6", conflict.Address);
    }

    [Fact]
    public void A_static_target_and_an_instance_at_one_address_are_both_refused()
    {
        var index = UntrustedInventory.Index();
        var resolver = new InstanceResolver(() => index, new InstanceResolverOptions(), new FixedTime(UntrustedInventory.ReadAt));
        var build = new ResolvedTarget("build", "10.20.0.11", 22, null, new Dictionary<string, string>(), "static");

        Assert.Equal(TargetFailure.AddressConflict, resolver.Resolve("build", [build]).Failure);
        var api = resolver.Resolve("api", [build]);
        Assert.Contains("claimed by static target build and api (i-0b6 in dev-bob)", api.Error, StringComparison.Ordinal);
        Assert.True(resolver.Resolve("web-1", [build]).Succeeded);
    }

    [Fact]
    public void An_account_not_read_for_longer_than_the_limit_stops_resolving_with_the_reason()
    {
        var index = UntrustedInventory.Index(bobReadAt: UntrustedInventory.ReadAt.AddMinutes(-20));
        var resolver = new InstanceResolver(() => index, new InstanceResolverOptions { MaxStale = MaxStale }, new FixedTime(UntrustedInventory.ReadAt));

        var api = resolver.Resolve("api");

        Assert.Equal(TargetFailure.Stale, api.Failure);
        Assert.Contains("api is in account dev-bob, whose instance list was last read 1200 s ago", api.Error, StringComparison.Ordinal);
        Assert.Contains("older than 900 s", api.Error, StringComparison.Ordinal);
        Assert.True(resolver.Resolve("web-1").Succeeded);
        Assert.Empty(Ask($"api.{Zone}", index, UntrustedInventory.ReadAt).AnswerRecords);
    }

    private static DnsMessage Ask(string name, InstanceIndex index, DateTimeOffset now)
    {
        var responder = new InventoryDnsResponder(ZoneName.Parse(Zone), 30, NullLogger.Instance, new TargetLookupOptions { MaxStale = MaxStale }, new FixedTime(now));
        var query = new DnsMessage { Questions = [new DnsQuestion(DomainName.Parse(name), RecordType.A, RecordClass.INet)] };
        return (DnsMessage)responder.Answer(query, index);
    }

    private sealed class FixedTime(DateTimeOffset now) : TimeProvider
    {
        public override DateTimeOffset GetUtcNow() => now;
    }
}
