using Bastion.Hosting.Configuration;

namespace Bastion.Gateway.Tests.Configuration;

public sealed class KexAlgorithmsOptionTests
{
    [Fact]
    public void Defaults_offer_ml_kem_first_and_no_sntrup761()
    {
        var options = new BastionOptions();

        Assert.Empty(BastionOptionsValidator.Validate(options));
        Assert.Equal("mlkem768x25519-sha256", options.Ssh.EffectiveKexAlgorithms[0]);
        Assert.DoesNotContain(options.Ssh.EffectiveKexAlgorithms, n => n.Contains("sntrup", StringComparison.Ordinal));
    }

    [Fact]
    public void An_unknown_name_is_refused_with_the_names_to_choose_from()
    {
        var options = new BastionOptions();
        options.Ssh.KexAlgorithms = ["sntrup761x25519-sha512@openssh.com", "diffie-hellman-group1-sha1"];

        var error = Assert.Single(BastionOptionsValidator.Validate(options));

        Assert.Contains("\"diffie-hellman-group1-sha1\" not implemented", error, StringComparison.Ordinal);
        Assert.Contains("sntrup761x25519-sha512@openssh.com", error, StringComparison.Ordinal);
        Assert.DoesNotContain("\"sntrup761x25519-sha512@openssh.com\" not", error, StringComparison.Ordinal);
    }
}
