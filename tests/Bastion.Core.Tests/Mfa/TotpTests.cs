using Bastion.Core.Mfa;
using Bastion.Core.Secrets;
using Bastion.Core.Store;
using Bastion.Core.Tests.Support;
using OtpNet;

namespace Bastion.Core.Tests.Mfa;

/// <summary>Store contract: runs once per provider (see the sealed classes at the end).</summary>
public abstract class TotpTests(StoreProvider provider)
{
    [Fact]
    public void Codes_match_the_rfc_6238_sha1_test_vector()
    {
        // RFC 6238 appendix B: seed "12345678901234567890", T = 59 s → 94287082 (8 digits); 6 digits keep the last six.
        Assert.Equal("287082", TotpCode.Compute("12345678901234567890"u8, 59 / 30));
    }

    [Fact]
    public async Task Enrollment_returns_the_secret_and_an_otpauth_uri_and_stores_it_encrypted()
    {
        await using var env = await TotpEnvironment.CreateAsync(provider);

        var result = await env.Enrollment.EnrollAsync("alice");

        Assert.Equal(32, result.Base32Secret.Length); // 20 bytes → 32 base32 characters
        Assert.Equal(
            $"otpauth://totp/Bastion:alice?secret={result.Base32Secret}&issuer=Bastion&algorithm=SHA1&digits=6&period=30",
            result.OtpAuthUri);
        Assert.DoesNotContain(result.Base32Secret, result.ToString(), StringComparison.Ordinal);

        var stored = await env.Fixture.Store.GetTotpCredentialAsync(env.Alice.Id);
        var seed = Base32Encoding.ToBytes(result.Base32Secret);
        Assert.NotNull(stored);
        Assert.Equal(0, stored.LastAcceptedStep);
        Assert.False(stored.EncryptedSecret.AsSpan().IndexOf(seed) >= 0, "the seed must not be stored in clear");
    }

    [Fact]
    public async Task The_issuer_is_configurable()
    {
        await using var env = await TotpEnvironment.CreateAsync(provider, new TotpOptions { Issuer = "Acme Ops" });
        var result = await env.Enrollment.EnrollAsync("alice");
        Assert.StartsWith("otpauth://totp/Acme%20Ops:alice?", result.OtpAuthUri, StringComparison.Ordinal);
        Assert.Contains("&issuer=Acme%20Ops&", result.OtpAuthUri, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData(0, TotpVerificationResult.Accepted)]
    [InlineData(-1, TotpVerificationResult.Accepted)]
    [InlineData(1, TotpVerificationResult.Accepted)]
    [InlineData(-2, TotpVerificationResult.Invalid)]
    [InlineData(2, TotpVerificationResult.Invalid)]
    public async Task Codes_are_accepted_within_one_step_of_now(int stepOffset, TotpVerificationResult expected)
    {
        await using var env = await TotpEnvironment.CreateAsync(provider);
        var secret = await env.EnrollAliceAsync();

        var code = env.CodeAt(secret, stepOffset);

        Assert.Equal(expected, await env.Verifier.VerifyAsync("alice", code));
    }

    [Fact]
    public async Task A_code_is_accepted_once_and_earlier_codes_die_with_it()
    {
        await using var env = await TotpEnvironment.CreateAsync(provider);
        var secret = await env.EnrollAliceAsync();

        Assert.Equal(TotpVerificationResult.Accepted, await env.Verifier.VerifyAsync("alice", env.CodeAt(secret, 0)));
        Assert.Equal(TotpVerificationResult.Replayed, await env.Verifier.VerifyAsync("alice", env.CodeAt(secret, 0)));
        Assert.Equal(TotpVerificationResult.Replayed, await env.Verifier.VerifyAsync("alice", env.CodeAt(secret, -1)));

        env.Fixture.Time.Advance(TimeSpan.FromSeconds(30));
        Assert.Equal(TotpVerificationResult.Accepted, await env.Verifier.VerifyAsync("alice", env.CodeAt(secret, 0)));
        Assert.True((await env.Fixture.Store.GetTotpCredentialAsync(env.Alice.Id))!.LastAcceptedStep > 0);
    }

    [Fact]
    public async Task Replay_is_rejected_across_two_stores_on_the_same_database()
    {
        await using var env = await TotpEnvironment.CreateAsync(provider);
        var secret = await env.EnrollAliceAsync();
        var otherProcess = await env.Fixture.OpenAnotherAsync(pooling: false);
        var otherVerifier = new TotpVerifier(otherProcess, env.Protector, env.Fixture.Time);
        var code = env.CodeAt(secret, 0);

        Assert.Equal(TotpVerificationResult.Accepted, await env.Verifier.VerifyAsync("alice", code));
        Assert.Equal(TotpVerificationResult.Replayed, await otherVerifier.VerifyAsync("alice", code));
    }

    [Fact]
    public async Task When_two_stores_race_with_one_code_exactly_one_accepts()
    {
        await using var env = await TotpEnvironment.CreateAsync(provider);
        var secret = await env.EnrollAliceAsync();
        var otherVerifier = new TotpVerifier(await env.Fixture.OpenAnotherAsync(pooling: false), env.Protector, env.Fixture.Time);
        var code = env.CodeAt(secret, 1);

        var results = await Task.WhenAll(Enumerable.Range(0, 16).Select(i =>
            Task.Run(() => (i % 2 == 0 ? env.Verifier : otherVerifier).VerifyAsync("alice", code))));

        Assert.Single(results, r => r == TotpVerificationResult.Accepted);
        Assert.All(results.Where(r => r != TotpVerificationResult.Accepted), r => Assert.Equal(TotpVerificationResult.Replayed, r));
    }

    [Theory]
    [InlineData("12345")]
    [InlineData("1234567")]
    [InlineData("12a456")]
    [InlineData("")]
    public async Task Malformed_codes_are_invalid(string code)
    {
        await using var env = await TotpEnvironment.CreateAsync(provider);
        await env.EnrollAliceAsync();
        Assert.Equal(TotpVerificationResult.Invalid, await env.Verifier.VerifyAsync("alice", code));
    }

    [Fact]
    public async Task Spaces_inside_a_code_are_ignored()
    {
        await using var env = await TotpEnvironment.CreateAsync(provider);
        var secret = await env.EnrollAliceAsync();
        var code = env.CodeAt(secret, 0);
        Assert.Equal(TotpVerificationResult.Accepted, await env.Verifier.VerifyAsync("alice", $"{code[..3]} {code[3..]}"));
    }

    [Fact]
    public async Task Users_without_a_credential_are_not_enrolled()
    {
        await using var env = await TotpEnvironment.CreateAsync(provider);
        Assert.Equal(TotpVerificationResult.NotEnrolled, await env.Verifier.VerifyAsync("alice", "123456"));
        Assert.Equal(TotpVerificationResult.NotEnrolled, await env.Verifier.VerifyAsync("nobody", "123456"));
        await Assert.ThrowsAsync<EntityNotFoundException>(() => env.Enrollment.EnrollAsync("nobody"));
    }

    [Fact]
    public async Task Re_enrolling_replaces_the_seed()
    {
        await using var env = await TotpEnvironment.CreateAsync(provider);
        var old = await env.EnrollAliceAsync();
        var current = await env.EnrollAliceAsync();
        Assert.NotEqual(old, current);
        Assert.Equal(TotpVerificationResult.Invalid, await env.Verifier.VerifyAsync("alice", env.CodeAt(old, 0)));
        Assert.Equal(TotpVerificationResult.Accepted, await env.Verifier.VerifyAsync("alice", env.CodeAt(current, 0)));
    }

    [Fact]
    public async Task A_seed_moved_to_another_user_does_not_decrypt()
    {
        await using var env = await TotpEnvironment.CreateAsync(provider);
        await env.EnrollAliceAsync();
        var bob = await env.Fixture.AddUserAsync("bob");
        var aliceCredential = await env.Fixture.Store.GetTotpCredentialAsync(env.Alice.Id);

        await env.Fixture.Store.SetTotpCredentialAsync(bob.Id, aliceCredential!.EncryptedSecret);

        await Assert.ThrowsAsync<SecretProtectionException>(() => env.Verifier.VerifyAsync("bob", "123456"));
    }

    private sealed class TotpEnvironment : IAsyncDisposable
    {
        private TotpEnvironment(StoreFixture fixture, User alice, SecretProtector protector, TotpOptions? options)
        {
            Fixture = fixture;
            Alice = alice;
            Protector = protector;
            Enrollment = new TotpEnrollment(fixture.Store, protector, options);
            Verifier = new TotpVerifier(fixture.Store, protector, fixture.Time, options);
        }

        public StoreFixture Fixture { get; }

        public User Alice { get; }

        public SecretProtector Protector { get; }

        public TotpEnrollment Enrollment { get; }

        public TotpVerifier Verifier { get; }

        public static async Task<TotpEnvironment> CreateAsync(StoreProvider provider, TotpOptions? options = null)
        {
            var fixture = await StoreFixture.CreateAsync(provider);
            var protector = await SecretProtector.LoadOrCreateAsync(fixture.Directory.File("secret.key"));
            return new TotpEnvironment(fixture, await fixture.AddUserAsync("alice"), protector, options);
        }

        public async Task<string> EnrollAliceAsync() => (await Enrollment.EnrollAsync("alice")).Base32Secret;

        /// <summary>The code an authenticator app shows <paramref name="steps"/> steps from now (computed with Otp.NET directly).</summary>
        public string CodeAt(string base32Secret, int steps) =>
            new Totp(Base32Encoding.ToBytes(base32Secret)).ComputeTotp(Fixture.Time.GetUtcNow().AddSeconds(30 * steps).UtcDateTime);

        public async ValueTask DisposeAsync()
        {
            Protector.Dispose();
            await Fixture.DisposeAsync();
        }
    }
}

public sealed class TotpTestsOnSqlite() : TotpTests(StoreProvider.Sqlite);

public sealed class TotpTestsOnPostgres() : TotpTests(StoreProvider.Postgres);
