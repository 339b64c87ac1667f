using System.Globalization;
using System.Text;
using Bastion.Gateway.Tests.Infrastructure;

namespace Bastion.Gateway.Tests.InfrastructureTests;

public class TotpCodeTests
{
    // RFC 6238 appendix B, SHA-1 rows; the key is ASCII "12345678901234567890".
    [Theory]
    [InlineData(59L, "94287082")]
    [InlineData(1111111109L, "07081804")]
    [InlineData(1111111111L, "14050471")]
    [InlineData(1234567890L, "89005924")]
    [InlineData(2000000000L, "69279037")]
    [InlineData(20000000000L, "65353130")]
    public void Matches_RFC6238_test_vectors(long unixTime, string expected)
    {
        var key = Encoding.ASCII.GetBytes("12345678901234567890");
        Assert.Equal(expected, TotpCode.ComputeForStep(key, unixTime / 30, digits: 8));
        Assert.Equal(expected[2..], TotpCode.ComputeForStep(key, unixTime / 30));
    }

    [Fact]
    public void Base32_decodes_RFC4648_vectors()
    {
        Assert.Equal("foobar", Encoding.ASCII.GetString(TotpCode.Base32Decode("MZXW6YTBOI======")));
        Assert.Equal("fooba", Encoding.ASCII.GetString(TotpCode.Base32Decode("mzxw6ytb")));
    }

    [Fact]
    public async Task Agrees_with_oathtool_including_step_offsets()
    {
        var oathtool = Tools.Require(Tools.Oathtool);
        const string secret = "JBSWY3DPEHPK3PXPJBSWY3DPEHPK3PXP";
        var times = new[]
        {
            DateTimeOffset.FromUnixTimeSeconds(1_700_000_000),
            DateTimeOffset.FromUnixTimeSeconds(1_234_567_890),
            DateTimeOffset.UtcNow,
        };
        foreach (var time in times)
        {
            foreach (var offset in new[] { -1, 0, 1 })
            {
                var at = time.AddSeconds(30 * offset).ToUniversalTime().ToString("yyyy-MM-dd HH:mm:ss", CultureInfo.InvariantCulture) + " UTC";
                var result = (await ProcessRunner.RunAsync(oathtool, "--totp", "-b", secret, "--now", at)).EnsureSuccess();
                Assert.Equal(result.StandardOutput.Trim(), TotpCode.Compute(secret, time, offset));
            }
        }
    }

    [Fact]
    public void Parses_the_secret_of_an_otpauth_uri_in_cli_output()
    {
        const string output = "scan this:\n  otpauth://totp/Bastion:alice?secret=JBSWY3DPEHPK3PXP&issuer=Bastion&digits=6&period=30\n█▀▀▀█ (QR)\n";
        var uri = OtpAuthUri.FindIn(output);
        Assert.Equal("JBSWY3DPEHPK3PXP", uri.Secret);
        Assert.Equal("Bastion:alice", uri.Label);
        Assert.Equal("Bastion", uri.Issuer);
        Assert.Equal(30, uri.Period);
        Assert.DoesNotContain(uri.Secret, uri.ToString(), StringComparison.Ordinal);
        Assert.Equal("JBSWY3DPEHPK3PXP", OtpAuthUri.SecretFrom(output));
    }
}
