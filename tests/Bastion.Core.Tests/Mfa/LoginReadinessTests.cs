using Bastion.Core.Keys;
using Bastion.Core.Mfa;
using Bastion.Core.Store;

namespace Bastion.Core.Tests.Mfa;

public sealed class LoginReadinessTests
{
    [Theory]
    [InlineData(MfaPolicies.KeyAndTotp, SupportedKeyTypes.Ed25519, true, 0)]
    [InlineData(MfaPolicies.KeyOnly, SupportedKeyTypes.Ed25519, false, 0)]
    [InlineData(MfaPolicies.SecurityKey, SupportedKeyTypes.SecurityKeyEd25519, false, 0)]
    [InlineData(MfaPolicies.SecurityKeyAndTotp, SupportedKeyTypes.SecurityKeyEcdsa, true, 0)]
    [InlineData(MfaPolicies.KeyAndWebAuthn, SupportedKeyTypes.Ed25519, false, 1)]
    public void A_user_enrolled_for_the_policy_lacks_nothing(string policy, string keyType, bool hasTotp, int webAuthn)
    {
        Assert.Empty(LoginReadiness.Missing(policy, [keyType], hasTotp, webAuthn));
    }

    [Fact]
    public void Each_missing_piece_is_named_with_the_command_that_adds_it()
    {
        var missing = LoginReadiness.Missing(MfaPolicies.KeyAndTotp, [], hasTotp: false, webAuthnCredentials: 0);

        Assert.Equal([LoginRequirement.SshKey, LoginRequirement.Totp], missing);
        Assert.Contains("bastion key add alice", LoginReadiness.HowToAdd(missing[0], "alice"), StringComparison.Ordinal);
        Assert.Contains("bastion totp enroll alice", LoginReadiness.HowToAdd(missing[1], "alice"), StringComparison.Ordinal);
        Assert.Equal("TOTP", LoginReadiness.Label(missing[1]));
    }

    [Fact]
    public void An_ordinary_key_does_not_satisfy_a_security_key_policy()
    {
        var missing = Assert.Single(LoginReadiness.Missing(MfaPolicies.SecurityKey, [SupportedKeyTypes.Ed25519], hasTotp: true, webAuthnCredentials: 0));

        Assert.Equal(LoginRequirement.SecurityKeySshKey, missing);
        Assert.Contains("ed25519-sk", LoginReadiness.HowToAdd(missing, "bob"), StringComparison.Ordinal);
    }

    [Fact]
    public void Browser_approval_needs_a_registered_security_key_and_sk_plus_totp_needs_both()
    {
        Assert.Equal([LoginRequirement.BrowserSecurityKey], LoginReadiness.Missing(MfaPolicies.KeyAndWebAuthn, [SupportedKeyTypes.Ed25519], hasTotp: true, webAuthnCredentials: 0));
        Assert.Equal([LoginRequirement.SecurityKeySshKey, LoginRequirement.Totp],
            LoginReadiness.Missing(MfaPolicies.SecurityKeyAndTotp, [SupportedKeyTypes.Ed25519], hasTotp: false, webAuthnCredentials: 3));
    }
}
