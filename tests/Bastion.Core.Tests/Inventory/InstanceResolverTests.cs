using System.Net;
using Bastion.Core.Inventory;

namespace Bastion.Core.Tests.Inventory;

public sealed class InstanceResolverTests
{
    private static readonly InstanceIndex Index = new(
    [
        Instance("web-1", "dev-a", "i-0aaa", "10.1.2.3", "ip-10-1-2-3.eu-west-1.compute.internal"),
        Instance("web-1", "dev-b", "i-0bbb", "10.2.3.4", "ip-10-2-3-4.eu-west-1.compute.internal"),
        Instance("db-1", "dev-a", "i-0ccc", "10.1.9.9", null, state: "stopped"),
        Instance("api", "dev-b", "i-0ddd", "10.2.0.7", null, extraIp: "10.2.0.8"),
    ]);

    private static readonly InstanceResolver Resolver = new(() => Index, new InstanceResolverOptions { DomainSuffixes = ["dev"] });

    [Theory]
    [InlineData("api", "i-0ddd")]
    [InlineData("API.dev", "i-0ddd")]
    [InlineData("web-1.dev-a", "i-0aaa")]
    [InlineData("WEB-1.DEV-B.dev", "i-0bbb")]
    [InlineData("i-0BBB", "i-0bbb")]
    [InlineData("ip-10-1-2-3", "i-0aaa")]
    [InlineData("ip-10-2-3-4.eu-west-1.compute.internal", "i-0bbb")]
    [InlineData("10.2.0.8", "i-0ddd")]
    public void Resolves_every_supported_spelling(string requested, string instanceId)
    {
        var resolution = Resolver.Resolve(requested);
        Assert.True(resolution.Succeeded, resolution.Error);
        Assert.Equal(instanceId, resolution.Target!.Instance!.InstanceId);
    }

    [Fact]
    public void Ambiguous_name_lists_every_candidate()
    {
        var error = Resolver.Resolve("web-1.dev").Error;
        Assert.Equal("web-1 matches 2 instances: web-1.dev-a (i-0aaa, 10.1.2.3), web-1.dev-b (i-0bbb, 10.2.3.4); add the account alias, e.g. web-1.dev-a", error);
    }

    [Fact]
    public void Stopped_instance_says_so()
    {
        var error = Resolver.Resolve("db-1").Error!;
        Assert.StartsWith("db-1 (i-0ccc in dev-a, eu-west-1) is stopped", error);
    }

    [Fact]
    public void Unknown_name_suggests_close_matches_and_unknown_address_is_refused()
    {
        Assert.Contains("did you mean web-1", Resolver.Resolve("web1").Error);
        Assert.Contains("10.9.9.9 is not the address of any known target or instance", Resolver.Resolve("10.9.9.9").Error);
        var strict = new InstanceResolver(() => Index, new InstanceResolverOptions { AllowAddresses = false });
        Assert.Contains("connect by target name, not by address", strict.Resolve("10.2.0.7").Error);
    }

    [Fact]
    public void Reverse_lookup_finds_the_owner_of_any_private_ip()
    {
        Assert.Equal("api", Index.ByAddress(IPAddress.Parse("10.2.0.8"))!.Name);
        Assert.Null(Index.ByAddress(IPAddress.Parse("10.2.0.9")));
    }

    [Fact]
    public async Task Static_targets_win_over_instances_with_the_same_name()
    {
        var staticTargets = new FixedResolver(new ResolvedTarget("api", "192.0.2.10", 22, null, new Dictionary<string, string>(), "static"));
        var composite = new CompositeTargetResolver(staticTargets, Resolver, () => Index);
        Assert.Equal("static", (await composite.ResolveAsync("api", default)).Target!.Source);
        Assert.Equal("ec2", (await composite.ResolveAsync("web-1.dev-a", default)).Target!.Source);
    }

    private static ResolvedTarget Instance(string name, string alias, string id, string ip, string? dns, string state = "running", string? extraIp = null) =>
        new(name, ip, 22, alias, new Dictionary<string, string> { ["Name"] = name }, "ec2",
            new InstanceDetails(id, alias == "dev-a" ? "111111111111" : "222222222222", alias, "eu-west-1", "vpc-1", state,
                extraIp is null ? [ip] : [ip, extraIp], dns, null, null));

    private sealed class FixedResolver(ResolvedTarget target) : ITargetResolver
    {
        public ValueTask<TargetResolution> ResolveAsync(string requestedHost, CancellationToken ct) =>
            ValueTask.FromResult(string.Equals(requestedHost, target.Name, StringComparison.OrdinalIgnoreCase)
                ? TargetResolution.Found(target)
                : TargetResolution.Failed("not static"));

        public ValueTask<IReadOnlyList<ResolvedTarget>> ListAsync(CancellationToken ct) => ValueTask.FromResult<IReadOnlyList<ResolvedTarget>>([target]);
    }
}
