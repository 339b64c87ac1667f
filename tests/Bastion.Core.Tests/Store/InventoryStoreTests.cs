using Bastion.Core.Inventory;
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

    [Fact]
    public async Task Findings_open_and_close_once_whoever_syncs_them()
    {
        await using var fixture = await StoreFixture.CreateAsync(provider);
        var other = await fixture.OpenAnotherAsync();
        var conflict = Finding(InventoryFindingKinds.AddressConflict, "10.0.0.5", "");
        var rejected = Finding(InventoryFindingKinds.InstanceRejected, "i-0out", "222");

        var first = await fixture.Store.SyncInventoryFindingsAsync(InventoryFindingKinds.AddressConflict, [conflict]);
        var second = await other.SyncInventoryFindingsAsync(InventoryFindingKinds.AddressConflict, [conflict]);
        await other.SyncInventoryFindingsAsync(InventoryFindingKinds.InstanceRejected, [rejected]);

        Assert.Equal("10.0.0.5", Assert.Single(first.Opened).Subject);
        Assert.Empty(second.Opened); // another node saw it first: raised once
        var listed = await other.ListInventoryFindingsAsync();
        Assert.Equal(2, listed.Count);
        var stored = Assert.Single(listed, f => f.Kind == InventoryFindingKinds.AddressConflict);
        Assert.Equal("address 10.0.0.5 claimed twice", stored.Summary);
        Assert.Equal("10.0.0.5", stored.Data["address"]);
        Assert.Equal(fixture.Time.GetUtcNow(), stored.FirstSeen);

        // Syncing one kind leaves the others alone; what is gone closes once.
        var cleared = await fixture.Store.SyncInventoryFindingsAsync(InventoryFindingKinds.AddressConflict, []);
        var again = await other.SyncInventoryFindingsAsync(InventoryFindingKinds.AddressConflict, []);
        Assert.Equal("10.0.0.5", Assert.Single(cleared.Closed).Subject);
        Assert.Empty(again.Closed);
        Assert.Equal("i-0out", Assert.Single(await fixture.Store.ListInventoryFindingsAsync()).Subject);
    }

    private static InventoryFinding Finding(string kind, string subject, string account) =>
        new(kind, subject, account, $"address {subject} claimed twice", new Dictionary<string, string> { ["address"] = subject });
}

public sealed class InventoryStoreTestsOnSqlite() : InventoryStoreTests(StoreProvider.Sqlite);

public sealed class InventoryStoreTestsOnPostgres() : InventoryStoreTests(StoreProvider.Postgres);
