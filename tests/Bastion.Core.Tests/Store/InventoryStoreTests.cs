using Bastion.Core.Store;
using Bastion.Core.Tests.Support;

namespace Bastion.Core.Tests.Store;

/// <summary>Store contract: runs once per provider (see the sealed classes at the end).</summary>
public abstract class InventoryStoreTests(StoreProvider provider)
{
    [Fact]
    public async Task Account_snapshots_are_replaced_per_account_and_seen_by_another_store()
    {
        await using var fixture = await StoreFixture.CreateAsync(provider);
        var now = fixture.Time.GetUtcNow();
        await fixture.Store.SaveInventoryAccountAsync(new InventoryAccountRecord("111", "dev-a", now, now, null, 0, 1, "[{\"id\":\"i-1\"}]"));
        await fixture.Store.SaveInventoryAccountAsync(new InventoryAccountRecord("222", "dev-b", null, now, "AccessDenied", 3, 0, "[]"));
        await fixture.Store.SaveInventoryAccountAsync(new InventoryAccountRecord("111", "dev-a", now, now.AddMinutes(1), "throttled", 1, 1, "[{\"id\":\"i-1\"}]"));

        var other = await fixture.OpenAnotherAsync();
        var accounts = await other.ListInventoryAccountsAsync();
        Assert.Equal(["dev-a", "dev-b"], accounts.Select(a => a.Alias));
        Assert.Equal("throttled", accounts[0].LastError);
        Assert.Equal(now, accounts[0].LastSuccess);
        Assert.Equal(now.AddMinutes(1), accounts[0].LastAttempt);
        Assert.Null(accounts[1].LastSuccess);
        Assert.Equal(3, accounts[1].ConsecutiveFailures);
    }
}

public sealed class InventoryStoreTestsOnSqlite() : InventoryStoreTests(StoreProvider.Sqlite);

public sealed class InventoryStoreTestsOnPostgres() : InventoryStoreTests(StoreProvider.Postgres);
