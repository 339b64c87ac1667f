using Bastion.Core.Inventory;
using Bastion.Core.Store;
using Bastion.Core.Tests.Support;

namespace Bastion.Core.Tests.Inventory;

public sealed class StaticInventoryTests : IAsyncLifetime
{
    private StoreFixture _fixture = null!;
    private StaticInventory _inventory = null!;

    public async Task InitializeAsync()
    {
        _fixture = await StoreFixture.CreateAsync();
        await _fixture.Store.AddTargetAsync(new TargetDefinition("web-1", "10.0.0.5")
        {
            Account = "dev-a",
            Tags = new Dictionary<string, string> { ["env"] = "dev" },
        });
        await _fixture.Store.AddTargetAsync(new TargetDefinition("web-2", "10.0.0.6"));
        await _fixture.Store.AddTargetAsync(new TargetDefinition("db-1", "10.0.1.5") { Port = 2222 });
        await _fixture.Store.AddTargetAsync(new TargetDefinition("db-1-admin", "10.0.1.5"));
        await _fixture.Store.AddTargetAsync(new TargetDefinition("Build", "build.example.internal"));
        _inventory = new StaticInventory(_fixture.Store, new StaticInventoryOptions { DomainSuffixes = ["dev", ".corp.example"] });
    }

    public async Task DisposeAsync() => await _fixture.DisposeAsync();

    [Theory]
    [InlineData("web-1", "web-1")]
    [InlineData("WEB-1", "web-1")]
    [InlineData("build", "Build")]
    [InlineData("web-1.dev", "web-1")]
    [InlineData("web-1.DEV.", "web-1")]
    [InlineData("db-1.corp.example", "db-1")]
    [InlineData("10.0.0.6", "web-2")]
    [InlineData("build.example.internal", "Build")]
    public async Task Names_suffixes_and_hosts_resolve(string requested, string expected)
    {
        var resolution = await _inventory.ResolveAsync(requested, CancellationToken.None);

        Assert.True(resolution.Succeeded, resolution.Error);
        Assert.Equal(expected, resolution.Target!.Name);
        Assert.Equal(StaticInventory.SourceName, resolution.Target.Source);
    }

    [Fact]
    public async Task Resolved_targets_carry_port_account_and_tags()
    {
        var web = (await _inventory.ResolveAsync("web-1", CancellationToken.None)).Target!;
        Assert.Equal(("10.0.0.5", 22, "dev-a", "dev"), (web.Host, web.Port, web.Account, web.Tags["env"]));
        Assert.Equal(2222, (await _inventory.ResolveAsync("db-1", CancellationToken.None)).Target!.Port);
    }

    [Fact]
    public async Task A_typo_gets_suggestions()
    {
        var resolution = await _inventory.ResolveAsync("web1", CancellationToken.None);

        Assert.Null(resolution.Target);
        Assert.Equal("no target named \"web1\"; did you mean web-1 or web-2?", resolution.Error);
    }

    [Fact]
    public async Task A_typo_with_a_suffix_is_suggested_without_the_suffix()
    {
        var resolution = await _inventory.ResolveAsync("wbe-1.dev", CancellationToken.None);
        Assert.StartsWith("no target named \"wbe-1.dev\"; did you mean ", resolution.Error, StringComparison.Ordinal);
        Assert.Contains("web-1", resolution.Error, StringComparison.Ordinal);
    }

    [Fact]
    public async Task A_prefix_gets_suggestions()
    {
        var resolution = await _inventory.ResolveAsync("db", CancellationToken.None);
        Assert.Equal("no target named \"db\"; did you mean db-1 or db-1-admin?", resolution.Error);
    }

    [Fact]
    public async Task An_unknown_name_without_close_matches_says_what_to_do()
    {
        var resolution = await _inventory.ResolveAsync("mainframe", CancellationToken.None);
        Assert.Equal("no target named \"mainframe\"; ask an administrator to add it, or check the name", resolution.Error);
    }

    [Fact]
    public async Task A_host_shared_by_several_targets_is_ambiguous()
    {
        var resolution = await _inventory.ResolveAsync("10.0.1.5", CancellationToken.None);
        Assert.Equal("host \"10.0.1.5\" belongs to several targets (db-1, db-1-admin); connect by target name instead", resolution.Error);
    }

    [Fact]
    public async Task Listing_returns_every_target_by_name()
    {
        var all = await _inventory.ListAsync(CancellationToken.None);
        Assert.Equal(["Build", "db-1", "db-1-admin", "web-1", "web-2"], all.Select(t => t.Name));
    }
}
