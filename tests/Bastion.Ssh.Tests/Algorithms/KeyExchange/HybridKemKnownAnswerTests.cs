using Bastion.Ssh.Algorithms.KeyExchange;
using Org.BouncyCastle.Crypto.Digests;
using Org.BouncyCastle.Security;

namespace Bastion.Ssh.Tests.Algorithms.KeyExchange;

/// <summary>
/// A fixed mlkem768x25519-sha256 exchange assembled from published vectors: the ML-KEM-768 key pair seed,
/// encapsulation randomness and expected ciphertext hash and shared secret are vector 0 of OpenSSH's
/// regress/unittests/crypto/test_mlkem.c (the FIPS 203 KAT values); the X25519 keys and shared secret are
/// RFC 7748 §6.1 (client = Bob, server = Alice). The expected K is SHA-256 of the two secrets, computed
/// outside .NET (Python hashlib). No published vector covers sntrup761x25519 end to end; the real OpenSSH
/// client end-to-end test is its interoperability check.
/// </summary>
public class HybridKemKnownAnswerTests
{
    private const string MlKemSeed =
        "7c9935a0b07694aa0c6d10e4db6b1add2fd81a25ccb148032dcd739936737f2d" +
        "8626ed79d451140800e03b59b956f8210e556067407d13dc90fa9e8b872bfb8f";
    private const string MlKemPublicKeySha3 = "f57262661358cde8d3ebf990e5fd1d5b896c992ccfaadb5256b68bbf5943b132";
    private const string MlKemEncapsulationRandom = "147c03f7a5bebba406c8fae1874d7f13c80efe79a3a9a874cc09fe76f6997615";
    private const string MlKemCiphertextSha3 = "6e777e2cf8054659136a971d9e70252f301226930c19c470ee0688163a63c15b";

    private const string ServerX25519Private = "77076d0a7318a57d3c16c17251b26645df4c2f87ebc0992ab177fba51db92c2a";
    private const string ServerX25519Public = "8520f0098930a754748b7ddcb43ef75a0dbf3a0d26381af4eba4a98eaa9b4e6a";
    private const string ClientX25519Private = "5dab087e624a8a4b79e17f8b83800ee66f3bb1292618b6fd1c2f8b27ff88e0eb";
    private const string ClientX25519Public = "de9edb7d7b7dc1b4d35b61c2ece435373f8343c85b78674dadfc7e146f882b4f";

    // sha256(e7184a0975ee3470878d2d159ec83129c8aec253d4ee17b4810311d198cd0368 || 4a5d9d5ba4ce2de1728e3bf480350f25e07e21c947d19e3376f09b3c1e161742)
    private const string ExpectedK = "61b960093640d816178a7b456a691a7b982c2d3dfaf5739074fdd168ac5a3c61";

    [Fact]
    public void Mlkem768x25519_sha256_reproduces_the_fixed_exchange()
    {
        var algorithm = HybridKemKeyExchange.MlKem768X25519Sha256;
        using var client = new HybridKemClient(algorithm, MlKem768.FromSeed(Convert.FromHexString(MlKemSeed)),
            new X25519Ephemeral(Convert.FromHexString(ClientX25519Private)));
        var clientPublic = client.ClientPublic;
        Assert.Equal(MlKemPublicKeySha3, Sha3(clientPublic[..1184]));
        Assert.Equal(ClientX25519Public, Hex(clientPublic[1184..]));

        using var server = new HybridKemServer(algorithm, new X25519Ephemeral(Convert.FromHexString(ServerX25519Private)),
            new FixedRandom(Convert.FromHexString(MlKemEncapsulationRandom)));
        var reply = server.Respond(clientPublic);

        Assert.Equal(MlKemCiphertextSha3, Sha3(reply.ServerPublic[..1088]));
        Assert.Equal(ServerX25519Public, Hex(reply.ServerPublic[1088..]));
        Assert.Equal("00000020" + ExpectedK, Hex(reply.EncodedSharedSecret));
        Assert.Equal("00000020" + ExpectedK, Hex(client.ComputeSharedSecret(reply.ServerPublic)));
    }

    private static string Sha3(byte[] data)
    {
        var digest = new Sha3Digest(256);
        digest.BlockUpdate(data, 0, data.Length);
        var output = new byte[32];
        digest.DoFinal(output, 0);
        return Hex(output);
    }

    private static string Hex(byte[] bytes) => Convert.ToHexString(bytes).ToLowerInvariant();

    /// <summary>Hands out the given bytes and fails if asked for more, so a change in how much randomness the
    /// encapsulation draws shows up as a failure rather than a silently different vector.</summary>
    private sealed class FixedRandom(byte[] bytes) : SecureRandom
    {
        private int _position;

        public override void NextBytes(byte[] buf) => NextBytes(buf.AsSpan());

        public override void NextBytes(byte[] buf, int off, int len) => NextBytes(buf.AsSpan(off, len));

        public override void NextBytes(Span<byte> buffer)
        {
            Assert.True(_position + buffer.Length <= bytes.Length, $"asked for {buffer.Length} more random bytes than the vector holds");
            bytes.AsSpan(_position, buffer.Length).CopyTo(buffer);
            _position += buffer.Length;
        }
    }
}
