using Bastion.Core.Keys;
using Bastion.Core.Mfa;
using Bastion.Core.Tests.Support;

namespace Bastion.Core.Tests.Mfa;

public sealed class SecurityKeyTests
{
    [Theory]
    [InlineData("", 0x01, SecurityKeyVerdict.Accepted)]
    [InlineData("", 0x05, SecurityKeyVerdict.Accepted)]
    [InlineData("", 0x00, SecurityKeyVerdict.PresenceMissing)]
    [InlineData("", 0x04, SecurityKeyVerdict.PresenceMissing)]
    [InlineData("no-touch-required", 0x00, SecurityKeyVerdict.Accepted)]
    [InlineData("verify-required", 0x01, SecurityKeyVerdict.VerificationMissing)]
    [InlineData("verify-required", 0x05, SecurityKeyVerdict.Accepted)]
    [InlineData("no-touch-required,verify-required", 0x04, SecurityKeyVerdict.Accepted)]
    [InlineData("no-touch-required,verify-required", 0x00, SecurityKeyVerdict.VerificationMissing)]
    public void Flags_are_judged_against_the_keys_options(string options, byte flags, SecurityKeyVerdict expected)
    {
        var parsed = options.Length == 0 ? [] : options.Split(',').Select(o => new AuthorizedKeyOption(o, null)).ToList();
        Assert.Equal(expected, SecurityKeyRules.Check(parsed, new SecurityKeyAssertion(flags, 7)));
    }
}

/// <summary>Store contract for security-key counters: runs once per provider.</summary>
public abstract class SecurityKeyCounterTests(StoreProvider provider)
{
    [Fact]
    public async Task The_counter_must_strictly_increase_even_across_store_instances()
    {
        await using var fixture = await StoreFixture.CreateAsync(provider);
        await fixture.AddUserAsync("alice");
        var key = await fixture.Store.AddSshKeyAsync("alice", AuthorizedKeyLine.Parse(SshKeygen.Generate(fixture.Directory, "ed25519")));
        Assert.Null(key.SecurityKeyCounter);

        Assert.True(await fixture.Store.TryAdvanceSecurityKeyCounterAsync(key.Id, 5));
        Assert.False(await fixture.Store.TryAdvanceSecurityKeyCounterAsync(key.Id, 5));
        Assert.False(await fixture.Store.TryAdvanceSecurityKeyCounterAsync(key.Id, 3));
        Assert.True(await fixture.Store.TryAdvanceSecurityKeyCounterAsync(key.Id, 6));

        // A second gateway node on the same database sees the same counter.
        var other = await fixture.OpenAnotherAsync();
        Assert.False(await other.TryAdvanceSecurityKeyCounterAsync(key.Id, 6));
        Assert.True(await other.TryAdvanceSecurityKeyCounterAsync(key.Id, uint.MaxValue));
        Assert.Equal(uint.MaxValue, (await fixture.Store.FindSshKeyAsync(key.Fingerprint))!.SecurityKeyCounter);
    }
}

public sealed class SecurityKeyCounterTestsOnSqlite() : SecurityKeyCounterTests(StoreProvider.Sqlite);

public sealed class SecurityKeyCounterTestsOnPostgres() : SecurityKeyCounterTests(StoreProvider.Postgres);
