using System.Net;
using Bastion.Gateway.Tests.Infrastructure;

namespace Bastion.Gateway.Tests.Failures;

/// <summary>Gateway for <see cref="MacCorruptionTests"/>.</summary>
public sealed class MacCorruptionFixture : TestBedFixture;

/// <summary>
/// A real OpenSSH client completes a real key exchange with the gateway through a man-in-the-middle proxy that then
/// flips one bit of the client's first encrypted packet: for every cipher/MAC family the gateway refuses the packet
/// ("message authentication failed"), tells the client, audits the reason, and keeps serving.
/// </summary>
public sealed class MacCorruptionTests(MacCorruptionFixture fixture) : IClassFixture<MacCorruptionFixture>
{
    private BastionTestbed Bed => fixture.Bed;

    public static TheoryData<string, string> Protections => new()
    {
        { "chacha20-poly1305@openssh.com", "-" },
        { "aes256-gcm@openssh.com", "-" },
        { "aes128-ctr", "hmac-sha2-256-etm@openssh.com" },
        { "aes256-ctr", "hmac-sha2-512-etm@openssh.com" },
    };

    [Theory]
    [MemberData(nameof(Protections))]
    public async Task Flipped_bit_after_key_exchange_is_a_MAC_failure_and_the_gateway_keeps_serving(string cipher, string mac)
    {
        var home = Bed.Directory.SubDirectory("mitm-" + cipher.Replace('@', '-'));
        var key = await SshKeyPair.GenerateAsync(home, SshKeyType.Ed25519);
        var client = Bed.NewUserClient(home, key.PrivateKeyPath);
        await using var proxy = new CorruptingTcpProxy(LoopbackAddresses.Shared.Next(), new IPEndPoint(Bed.Gateway.Address, Bed.Gateway.Port)).Start();
        client.TrustHostKey(proxy.EndPoint.Address.ToString(), proxy.EndPoint.Port, Bed.GatewayHostKey);
        var options = new Dictionary<string, string> { ["Ciphers"] = cipher };
        if (mac != "-")
        {
            options["MACs"] = mac;
        }

        var result = await client.SshAsync(new SshEndpoint("mallory", proxy.EndPoint.Address, proxy.EndPoint.Port), "true",
            new SshCallOptions { Options = options, Timeout = TimeSpan.FromSeconds(30) });

        Assert.True(proxy.Corrupted.IsCompleted, $"the proxy never saw the client's NEWKEYS, so nothing was corrupted\n{result.Describe()}");
        var source = await proxy.Corrupted;
        Assert.Equal(255, result.ExitCode);
        Assert.Contains("message authentication failed", result.StandardError, StringComparison.Ordinal);
        var sourceText = $"{source.Address}:{source.Port}";
        var kex = await Bed.WaitForAuditRowAsync(e => e.Type == "kex.completed" && e.SourceAddress == sourceText, $"kex.completed from {sourceText}");
        Assert.Equal(cipher, kex["cipher"]);
        var disconnect = await Bed.WaitForAuditRowAsync(e => e.Type == "disconnect" && e.SourceAddress == sourceText, $"disconnect from {sourceText}");
        Assert.Contains("message authentication failed", disconnect["reason"], StringComparison.Ordinal);
        Assert.Equal("false", disconnect["authenticated"]);
        Assert.Contains("message authentication failed", Bed.Gateway.Output, StringComparison.Ordinal);

        await Bed.AssertStillServesAsync();
    }
}
