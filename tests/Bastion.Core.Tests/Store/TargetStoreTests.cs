using Bastion.Core.Store;
using Bastion.Core.Tests.Support;

namespace Bastion.Core.Tests.Store;

/// <summary>Store contract: runs once per provider (see the sealed classes at the end).</summary>
public abstract class TargetStoreTests(StoreProvider provider)
{
    [Fact]
    public async Task Targets_can_be_added_read_listed_updated_and_deleted()
    {
        await using var fixture = await StoreFixture.CreateAsync(provider);
        var web = await fixture.Store.AddTargetAsync(new TargetDefinition("Web-1", "10.0.0.5")
        {
            Account = "dev-a",
            Tags = new Dictionary<string, string> { ["env"] = "dev", ["team"] = "web" },
        });
        await fixture.Store.AddTargetAsync(new TargetDefinition("db-1", "db1.internal.example") { Port = 2222 });

        Assert.Equal(22, web.Port);
        Assert.Equal("dev-a", web.Account);
        Assert.Equal("dev", web.Tags["env"]);
        Assert.Equal(web.Id, (await fixture.Store.GetTargetAsync("WEB-1"))!.Id);
        Assert.Equal(["db-1", "Web-1"], (await fixture.Store.ListTargetsAsync()).Select(t => t.Name));
        Assert.Equal(2222, (await fixture.Store.GetTargetAsync("db-1"))!.Port);

        var renamed = await fixture.Store.UpdateTargetAsync("web-1", new TargetDefinition("web-01", "10.0.0.6"));
        Assert.Equal("web-01", renamed.Name);
        Assert.Empty(renamed.Tags);
        Assert.Null(await fixture.Store.GetTargetAsync("web-1"));

        Assert.True(await fixture.Store.DeleteTargetAsync("WEB-01"));
        Assert.False(await fixture.Store.DeleteTargetAsync("web-01"));
    }

    [Fact]
    public async Task Names_are_unique_regardless_of_case()
    {
        await using var fixture = await StoreFixture.CreateAsync(provider);
        await fixture.Store.AddTargetAsync(new TargetDefinition("web-1", "10.0.0.5"));
        await fixture.Store.AddTargetAsync(new TargetDefinition("web-2", "10.0.0.6"));

        await Assert.ThrowsAsync<StoreConflictException>(() => fixture.Store.AddTargetAsync(new TargetDefinition("WEB-1", "10.0.0.7")));
        var rename = await Assert.ThrowsAsync<StoreConflictException>(
            () => fixture.Store.UpdateTargetAsync("web-2", new TargetDefinition("Web-1", "10.0.0.6")));
        Assert.Contains("already exists", rename.Message, StringComparison.Ordinal);
        await Assert.ThrowsAsync<EntityNotFoundException>(() => fixture.Store.UpdateTargetAsync("nope", new TargetDefinition("nope", "10.0.0.1")));
    }

    [Theory]
    [InlineData("web 1", "10.0.0.1", 22, "name")]
    [InlineData("web-1", "not a host!", 22, "host")]
    [InlineData("web-1", "10.0.0.1", 70000, "port")]
    public async Task Invalid_targets_are_rejected(string name, string host, int port, string mentioned)
    {
        await using var fixture = await StoreFixture.CreateAsync(provider);
        var error = await Assert.ThrowsAsync<InvalidEntityException>(
            () => fixture.Store.AddTargetAsync(new TargetDefinition(name, host) { Port = port }));
        Assert.Contains(mentioned, error.Message, StringComparison.Ordinal);
    }
}

public sealed class TargetStoreTestsOnSqlite() : TargetStoreTests(StoreProvider.Sqlite);

public sealed class TargetStoreTestsOnPostgres() : TargetStoreTests(StoreProvider.Postgres);
