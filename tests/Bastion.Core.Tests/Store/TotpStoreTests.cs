using Bastion.Core.Store;
using Bastion.Core.Tests.Support;

namespace Bastion.Core.Tests.Store;

/// <summary>Store contract for TOTP credentials: runs once per provider (see the sealed classes at the end).</summary>
public abstract class TotpStoreTests(StoreProvider provider)
{
    [Fact]
    public async Task A_credential_is_stored_replaced_advanced_once_per_step_and_removed()
    {
        await using var fixture = await StoreFixture.CreateAsync(provider);
        var alice = await fixture.AddUserAsync("alice");
        Assert.Null(await fixture.Store.GetTotpCredentialAsync(alice.Id));

        await fixture.Store.SetTotpCredentialAsync(alice.Id, [1, 2, 3]);
        var stored = await fixture.Store.GetTotpCredentialAsync(alice.Id);
        Assert.NotNull(stored);
        Assert.Equal([1, 2, 3], stored.EncryptedSecret);
        Assert.Equal(fixture.Time.GetUtcNow(), stored.CreatedAt);
        Assert.Equal(0, stored.LastAcceptedStep);

        // A code's step is used once; an older step after a newer one is refused too.
        Assert.True(await fixture.Store.TryAdvanceTotpStepAsync(alice.Id, 100));
        Assert.False(await fixture.Store.TryAdvanceTotpStepAsync(alice.Id, 100));
        Assert.False(await fixture.Store.TryAdvanceTotpStepAsync(alice.Id, 99));
        Assert.True(await fixture.Store.TryAdvanceTotpStepAsync(alice.Id, 101));

        // Enrolling again replaces the secret and starts the steps over.
        await fixture.Store.SetTotpCredentialAsync(alice.Id, [9]);
        stored = await fixture.Store.GetTotpCredentialAsync(alice.Id);
        Assert.Equal([9], stored!.EncryptedSecret);
        Assert.Equal(0, stored.LastAcceptedStep);

        Assert.True(await fixture.Store.RemoveTotpCredentialAsync(alice.Id));
        Assert.False(await fixture.Store.RemoveTotpCredentialAsync(alice.Id));
        Assert.Null(await fixture.Store.GetTotpCredentialAsync(alice.Id));
    }

    [Fact]
    public async Task A_credential_for_a_user_that_does_not_exist_is_refused()
    {
        await using var fixture = await StoreFixture.CreateAsync(provider);

        var error = await Assert.ThrowsAsync<EntityNotFoundException>(() => fixture.Store.SetTotpCredentialAsync(424242, [1]));

        Assert.Contains("no user with id 424242", error.Message, StringComparison.Ordinal);
        Assert.False(await fixture.Store.TryAdvanceTotpStepAsync(424242, 1));
    }
}

public sealed class TotpStoreTestsOnSqlite() : TotpStoreTests(StoreProvider.Sqlite);

public sealed class TotpStoreTestsOnPostgres() : TotpStoreTests(StoreProvider.Postgres);
