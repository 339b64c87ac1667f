using Bastion.Gateway.Tests.Infrastructure;

namespace Bastion.Gateway.Tests.EndToEnd;

/// <summary>
/// The key exchanges a gateway offers on its defaults: ML-KEM hybrid, X25519 and DH, but not sntrup761 (opt-in:
/// OpenSSH 9.x clients would pay its slow key generation on every connection). A default OpenSSH client lands on
/// its first method of that list; one that insists on sntrup761 is refused with the reason.
/// </summary>
public sealed class DefaultKexTests : IClassFixture<TestbedFixture>
{
    private readonly BastionTestbed _bed;

    public DefaultKexTests(TestbedFixture fixture) => _bed = fixture.Bed;

    [Fact]
    public async Task A_default_openssh_client_negotiates_its_first_method_the_gateway_offers_by_default()
    {
        var defaults = await ProcessRunner.RunAsync(Tools.Require(Tools.Ssh), "-G", "-F", "/dev/null", "gateway.invalid");
        Assert.True(defaults.Succeeded, defaults.Describe());
        var clientOrder = defaults.StandardOutput.Split('\n').Single(l => l.StartsWith("kexalgorithms ", StringComparison.Ordinal))["kexalgorithms ".Length..].Split(',');
        var expected = clientOrder.First(Bastion.Hosting.Configuration.SshOptions.DefaultKexAlgorithms.Contains);
        await _bed.AddAutomationUserAsync("kexdefault");
        var client = _bed.NewClient("kexdefault");

        var result = await client.Ssh.SshAsync(_bed.GatewayEndpoint("kexdefault"));

        Assert.True(result.Succeeded, result.Describe() + _bed.Logs());
        var audit = await _bed.WaitForAuditAsync(l => l.Any(e => client.Owns(e) && e.Type == "kex.completed"), "kex.completed");
        Assert.Equal(expected, Assert.Single(audit, e => client.Owns(e) && e.Type == "kex.completed")["kex"]);
        Assert.DoesNotContain("sntrup", expected, StringComparison.Ordinal);
    }

    [Fact]
    public async Task A_client_that_insists_on_sntrup761_is_refused_with_the_methods_offered()
    {
        await _bed.AddAutomationUserAsync("kexsntrup");
        var client = _bed.NewClient("kexsntrup", [("KexAlgorithms", "sntrup761x25519-sha512@openssh.com")]);

        var result = await client.Ssh.SshAsync(_bed.GatewayEndpoint("kexsntrup"));

        Assert.False(result.Succeeded);
        Assert.Contains("no matching key exchange method found", result.StandardError, StringComparison.Ordinal);
        Assert.Contains("mlkem768x25519-sha256", result.StandardError, StringComparison.Ordinal);
    }
}
