using System.Diagnostics;
using System.Numerics;
using Bastion.Ssh.Algorithms.KeyExchange;
using Bastion.Ssh.Tests.Algorithms.Support;
using Bastion.Ssh.Wire;
using Xunit.Abstractions;

namespace Bastion.Ssh.Tests.Algorithms.KeyExchange;

public class DiffieHellmanKeyExchangeTests(ITestOutputHelper output)
{
    public static TheoryData<string, string, int> Groups() => new()
    {
        { "diffie-hellman-group14-sha256", "SHA256", 2048 },
        { "diffie-hellman-group16-sha512", "SHA512", 4096 },
    };

    [Theory]
    [MemberData(nameof(Groups))]
    public void Server_and_client_agree_on_k(string name, string hash, int primeBits)
    {
        var algorithm = Bastion.Ssh.Algorithms.AlgorithmTable.Default.FindKeyExchange(name)!;
        Assert.Equal(hash, algorithm.HashAlgorithm.Name);
        var timer = Stopwatch.StartNew();
        using var client = algorithm.CreateClient();
        using var server = algorithm.CreateServer();
        var reply = server.Respond(client.ClientPublic);
        var clientSecret = client.ComputeSharedSecret(reply.ServerPublic);
        output.WriteLine($"{name}: full exchange (both sides, 4 modexps) in {timer.ElapsedMilliseconds} ms");
        Assert.Equal(reply.EncodedSharedSecret, clientSecret);

        // Public values are mpint bodies of positive numbers below p, K is a length-prefixed mpint.
        var e = new BigInteger(client.ClientPublic, isUnsigned: false, isBigEndian: true);
        Assert.True(e > 1 && e.GetBitLength() <= primeBits);
        var reader = new SshReader(reply.EncodedSharedSecret);
        var k = reader.ReadMpint();
        reader.EnsureEnd();
        Assert.True(k > 1);
    }

    [Theory]
    [MemberData(nameof(Groups))]
    public void Rejects_public_values_outside_the_open_range(string name, string hash, int primeBits)
    {
        _ = hash;
        var algorithm = (DiffieHellmanKeyExchange)Bastion.Ssh.Algorithms.AlgorithmTable.Default.FindKeyExchange(name)!;
        var p = algorithm.Group.Prime;
        Assert.Equal(primeBits, (int)p.GetBitLength());
        foreach (var value in new[] { BigInteger.Zero, BigInteger.One, p - 1, p, p + 1, BigInteger.Pow(2, primeBits + 8) })
        {
            using var server = algorithm.CreateServer();
            var error = Assert.Throws<SshProtocolException>(() => server.Respond(Mpint(value)));
            Assert.Equal(DisconnectReason.KeyExchangeFailed, error.Reason);
            using var client = algorithm.CreateClient();
            Assert.Throws<SshProtocolException>(() => client.ComputeSharedSecret(Mpint(value)));
        }
        using var negative = algorithm.CreateServer();
        Assert.Throws<SshProtocolException>(() => negative.Respond(Mpint(-5)));
        using var empty = algorithm.CreateServer();
        Assert.Throws<SshProtocolException>(() => empty.Respond([]));
        using var huge = algorithm.CreateServer();
        Assert.Throws<SshProtocolException>(() => huge.Respond(new byte[100_000]));
    }

    [Fact]
    public void Accepts_the_extremes_of_the_valid_range()
    {
        var algorithm = DiffieHellmanKeyExchange.Group14Sha256;
        var p = algorithm.Group.Prime;
        using var low = algorithm.CreateServer();
        low.Respond(Mpint(2));
        using var high = algorithm.CreateServer();
        high.Respond(Mpint(p - 2));
    }

    [Fact]
    public void Computes_k_as_peer_to_the_private_exponent()
    {
        // Independent check with a chosen peer exponent: K must equal e^y = (g^x)^y = f^x, computed here.
        var algorithm = DiffieHellmanKeyExchange.Group14Sha256;
        var p = algorithm.Group.Prime;
        var y = new BigInteger(TestPackets.Bytes(64, 1), isUnsigned: true, isBigEndian: true);
        var f = BigInteger.ModPow(2, y, p);
        using var client = algorithm.CreateClient();
        var e = new BigInteger(client.ClientPublic, isUnsigned: false, isBigEndian: true);
        var expected = BigInteger.ModPow(e, y, p);
        var reader = new SshReader(client.ComputeSharedSecret(Mpint(f)));
        Assert.Equal(expected, reader.ReadMpint());
    }

    [Theory]
    [InlineData("modp_2048", "diffie-hellman-group14-sha256")]
    [InlineData("modp_4096", "diffie-hellman-group16-sha512")]
    public void Primes_match_openssl_rfc3526_groups(string opensslGroup, string name)
    {
        using var directory = new TempDirectory();
        var file = directory.File("params.pem");
        ExternalTool.Run("openssl", "genpkey", "-genparam", "-algorithm", "DH", "-pkeyopt", "group:" + opensslGroup, "-out", file);
        var asn1 = ExternalTool.Run("openssl", "asn1parse", "-in", file);
        var hex = asn1.Split('\n').First(line => line.Contains("INTEGER", StringComparison.Ordinal)).Split(':').Last().Trim();
        var opensslPrime = BigInteger.Parse("0" + hex, System.Globalization.NumberStyles.HexNumber, System.Globalization.CultureInfo.InvariantCulture);
        var algorithm = (DiffieHellmanKeyExchange)Bastion.Ssh.Algorithms.AlgorithmTable.Default.FindKeyExchange(name)!;
        Assert.Equal(opensslPrime, algorithm.Group.Prime);
        Assert.Equal(2, (int)algorithm.Group.Generator);
    }

    private static byte[] Mpint(BigInteger value) =>
        value.IsZero ? [] : value.ToByteArray(isUnsigned: false, isBigEndian: true);
}
