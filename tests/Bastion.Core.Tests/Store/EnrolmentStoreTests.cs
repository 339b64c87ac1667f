using Bastion.Core.Keys;
using Bastion.Core.Mfa;
using Bastion.Core.Store;
using Bastion.Core.Tests.Support;

namespace Bastion.Core.Tests.Store;

/// <summary>Store contract for everybody's enrolments at once: runs once per provider (see the sealed classes at the end).</summary>
public abstract class EnrolmentStoreTests(StoreProvider provider)
{
    [Fact]
    public async Task Every_user_with_something_enrolled_is_listed_with_all_of_it_and_readiness_follows()
    {
        await using var fixture = await StoreFixture.CreateAsync(provider);
        var alice = await fixture.AddUserAsync("alice");
        var bob = await fixture.AddUserAsync("bob");
        var carol = await fixture.AddUserAsync("carol");
        var dave = await fixture.AddUserAsync("dave");
        await fixture.Store.AddSshKeyAsync("alice", AuthorizedKeyLine.Parse(SshKeygen.Generate(fixture.Directory, "ed25519")));
        await fixture.Store.AddSshKeyAsync("alice", AuthorizedKeyLine.Parse(SshKeygen.Generate(fixture.Directory, "ecdsa", bits: 256)));
        await fixture.Store.SetTotpCredentialAsync(alice.Id, [1]);
        await fixture.Store.SetTotpCredentialAsync(bob.Id, [2]);
        await fixture.Store.AddWebAuthnCredentialAsync(new NewWebAuthnCredential(carol.Id, [1, 2, 3, 4], [9, 9, 9], 0, "one"));
        await fixture.Store.AddWebAuthnCredentialAsync(new NewWebAuthnCredential(carol.Id, [5, 6, 7, 8], [9, 9, 9], 0, "two"));

        var enrolments = await fixture.Store.ListEnrolmentsAsync();

        Assert.Equal([alice.Id, bob.Id, carol.Id], enrolments.Keys.Order());
        Assert.Equal(["ssh-ed25519", "ecdsa-sha2-nistp256"], enrolments[alice.Id].KeyTypes);
        Assert.True(enrolments[alice.Id].HasTotp);
        Assert.Equal(0, enrolments[alice.Id].WebAuthnCredentials);
        Assert.True(enrolments[bob.Id].HasTotp);
        Assert.Empty(enrolments[bob.Id].KeyTypes);
        Assert.Equal(2, enrolments[carol.Id].WebAuthnCredentials);

        var users = await fixture.Store.ListUsersAsync();
        var readiness = await LoginReadiness.MissingForAsync(fixture.Store, users, new Dictionary<string, string>(), CancellationToken.None);
        Assert.Empty(readiness[alice.Id]);
        Assert.Equal([LoginRequirement.SshKey], readiness[bob.Id]);
        Assert.Equal([LoginRequirement.SshKey, LoginRequirement.Totp], readiness[carol.Id]);
        Assert.Equal([LoginRequirement.SshKey, LoginRequirement.Totp], readiness[dave.Id]);
    }
}

public sealed class EnrolmentStoreTestsOnSqlite() : EnrolmentStoreTests(StoreProvider.Sqlite);

public sealed class EnrolmentStoreTestsOnPostgres() : EnrolmentStoreTests(StoreProvider.Postgres);
