using Bastion.Ssh.Algorithms.KeyExchange;
using Bastion.Ssh.Wire;

namespace Bastion.Ssh.Tests.Algorithms.KeyExchange;

public class Curve25519KeyExchangeTests
{
    // RFC 7748 §6.1.
    private const string AlicePrivate = "77076d0a7318a57d3c16c17251b26645df4c2f87ebc0992ab177fba51db92c2a";
    private const string AlicePublic = "8520f0098930a754748b7ddcb43ef75a0dbf3a0d26381af4eba4a98eaa9b4e6a";
    private const string BobPrivate = "5dab087e624a8a4b79e17f8b83800ee66f3bb1292618b6fd1c2f8b27ff88e0eb";
    private const string BobPublic = "de9edb7d7b7dc1b4d35b61c2ece435373f8343c85b78674dadfc7e146f882b4f";
    private const string Shared = "4a5d9d5ba4ce2de1728e3bf480350f25e07e21c947d19e3376f09b3c1e161742";

    [Fact]
    public void Computes_the_rfc7748_known_answer()
    {
        using var alice = new X25519Ephemeral(Convert.FromHexString(AlicePrivate));
        using var bob = new X25519Ephemeral(Convert.FromHexString(BobPrivate));
        Assert.Equal(AlicePublic, Hex(alice.PublicKey));
        Assert.Equal(BobPublic, Hex(bob.PublicKey));
        Assert.Equal(Shared, Hex(alice.Agree(bob.PublicKey)));
        Assert.Equal(Shared, Hex(bob.Agree(alice.PublicKey)));
    }

    [Fact]
    public void Encodes_the_shared_secret_as_an_mpint_of_the_raw_bytes()
    {
        using var server = new X25519Ephemeral(Convert.FromHexString(AlicePrivate));
        var result = server.Respond(Convert.FromHexString(BobPublic));
        // 0x4a has the top bit clear: no sign byte, 32 bytes of magnitude.
        Assert.Equal("00000020" + Shared, Hex(result.EncodedSharedSecret));
        Assert.Equal(AlicePublic, Hex(result.ServerPublic));
    }

    [Theory]
    [InlineData("curve25519-sha256")]
    [InlineData("curve25519-sha256@libssh.org")]
    public void Server_and_client_agree(string name)
    {
        var algorithm = Bastion.Ssh.Algorithms.AlgorithmTable.Default.FindKeyExchange(name)!;
        Assert.Equal("SHA256", algorithm.HashAlgorithm.Name);
        using var client = algorithm.CreateClient();
        using var server = algorithm.CreateServer();
        Assert.Equal(32, client.ClientPublic.Length);
        var reply = server.Respond(client.ClientPublic);
        Assert.Equal(reply.EncodedSharedSecret, client.ComputeSharedSecret(reply.ServerPublic));
        Assert.Equal(32, reply.ServerPublic.Length);
        var reader = new SshReader(reply.EncodedSharedSecret);
        reader.ReadMpint();
        reader.EnsureEnd();
    }

    [Theory]
    // Points whose multiples are all the identity: the shared secret would be zero (RFC 7748 §6.1, RFC 8731 §3).
    [InlineData("0000000000000000000000000000000000000000000000000000000000000000")]
    [InlineData("0100000000000000000000000000000000000000000000000000000000000000")]
    [InlineData("e0eb7a7c3b41b8ae1656e3faf19fc46ada098deb9c32b1fd866205165f49b800")]
    [InlineData("5f9c95bca3508c24b1d0b1559c83ef5b04445cc4581c8e86d8224eddd09f1157")]
    [InlineData("ecffffffffffffffffffffffffffffffffffffffffffffffffffffffffffff7f")]
    [InlineData("edffffffffffffffffffffffffffffffffffffffffffffffffffffffffffff7f")]
    [InlineData("eeffffffffffffffffffffffffffffffffffffffffffffffffffffffffffff7f")]
    public void Rejects_small_order_points(string pointHex)
    {
        using var server = Curve25519KeyExchange.Sha256.CreateServer();
        var error = Assert.Throws<SshProtocolException>(() => server.Respond(Convert.FromHexString(pointHex)));
        Assert.Equal(DisconnectReason.KeyExchangeFailed, error.Reason);
    }

    [Theory]
    [InlineData(0)]
    [InlineData(31)]
    [InlineData(33)]
    [InlineData(65)]
    public void Rejects_public_keys_that_are_not_32_bytes(int length)
    {
        using var server = Curve25519KeyExchange.Sha256.CreateServer();
        var error = Assert.Throws<SshProtocolException>(() => server.Respond(new byte[length]));
        Assert.Equal(DisconnectReason.KeyExchangeFailed, error.Reason);
        using var client = Curve25519KeyExchange.Sha256.CreateClient();
        Assert.Throws<SshProtocolException>(() => client.ComputeSharedSecret(new byte[length]));
    }

    private static string Hex(byte[] bytes) => Convert.ToHexString(bytes).ToLowerInvariant();
}
