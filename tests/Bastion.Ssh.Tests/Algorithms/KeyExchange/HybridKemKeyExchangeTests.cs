using System.Security.Cryptography;
using Bastion.Ssh.Algorithms;
using Bastion.Ssh.Algorithms.KeyExchange;
using Bastion.Ssh.Wire;
using Org.BouncyCastle.Crypto.Generators;
using Org.BouncyCastle.Crypto.Kems;
using Org.BouncyCastle.Crypto.Parameters;
using Org.BouncyCastle.Pqc.Crypto.NtruPrime;
using Org.BouncyCastle.Security;

namespace Bastion.Ssh.Tests.Algorithms.KeyExchange;

public class HybridKemKeyExchangeTests
{
    public static TheoryData<string, int, int, string> Methods => new()
    {
        // name, |Q_C|, |Q_S|, hash
        { "mlkem768x25519-sha256", 1184 + 32, 1088 + 32, "SHA256" },
        { "sntrup761x25519-sha512@openssh.com", 1158 + 32, 1039 + 32, "SHA512" },
        { "sntrup761x25519-sha512", 1158 + 32, 1039 + 32, "SHA512" },
    };

    [Theory]
    [MemberData(nameof(Methods))]
    public void Our_client_and_server_agree_on_a_string_encoded_K(string name, int clientLength, int serverLength, string hash)
    {
        var algorithm = AlgorithmTable.Default.FindKeyExchange(name)!;
        Assert.Equal(hash, algorithm.HashAlgorithm.Name);
        using var client = algorithm.CreateClient();
        using var server = algorithm.CreateServer();
        Assert.Equal(clientLength, client.ClientPublic.Length);

        var reply = server.Respond(client.ClientPublic);

        Assert.Equal(serverLength, reply.ServerPublic.Length);
        Assert.Equal(reply.EncodedSharedSecret, client.ComputeSharedSecret(reply.ServerPublic));
        // An SSH string holding the whole digest, even when its first byte has the top bit set or is zero
        // (an mpint would add or strip a byte there).
        var reader = new SshReader(reply.EncodedSharedSecret);
        Assert.Equal(algorithm.Hash([]).Length, reader.ReadStringSpan().Length);
        reader.EnsureEnd();
    }

    [Theory]
    [MemberData(nameof(Methods))]
    public void Server_K_equals_an_independent_bouncycastle_client(string name, int clientLength, int serverLength, string hash)
    {
        var algorithm = AlgorithmTable.Default.FindKeyExchange(name)!;
        var independent = IndependentClient.Create(name);
        Assert.Equal(clientLength, independent.ClientPublic.Length);
        using var server = algorithm.CreateServer();

        var reply = server.Respond(independent.ClientPublic);

        Assert.Equal(serverLength, reply.ServerPublic.Length);
        var k = independent.SharedSecret(reply.ServerPublic, hash);
        Assert.Equal([.. BigEndian((uint)k.Length), .. k], reply.EncodedSharedSecret);
    }

    [Theory]
    [InlineData("mlkem768x25519-sha256", 32)]
    [InlineData("sntrup761x25519-sha512", 64)]
    public void K_is_a_string_even_when_the_digest_would_need_an_mpint_sign_byte(string name, int digestLength)
    {
        var algorithm = (HybridKemKeyExchange)AlgorithmTable.Default.FindKeyExchange(name)!;
        // Deterministic inputs whose digests start with a byte >= 0x80: an mpint would prefix a zero byte.
        var inputs = Enumerable.Range(0, 256).Select(i => new[] { (byte)i }).Where(input => algorithm.Hash(input)[0] >= 0x80).Take(3).ToList();
        Assert.Equal(3, inputs.Count);
        foreach (var input in inputs)
        {
            Assert.Equal([.. BigEndian((uint)digestLength), .. algorithm.Hash(input)], algorithm.EncodeSharedSecret(input));
        }
    }

    [Theory]
    [InlineData("mlkem768x25519-sha256", 1216)]
    [InlineData("sntrup761x25519-sha512@openssh.com", 1190)]
    [InlineData("sntrup761x25519-sha512", 1190)]
    public void Server_rejects_a_Q_C_of_the_wrong_length_or_with_trailing_bytes(string name, int length)
    {
        var algorithm = AlgorithmTable.Default.FindKeyExchange(name)!;
        using var client = algorithm.CreateClient();
        var valid = client.ClientPublic;
        Assert.Equal(length, valid.Length);
        foreach (var malformed in new[] { [], valid[..32], valid[..^1], [.. valid, 0], [.. valid, .. valid], valid[..^32] })
        {
            using var server = algorithm.CreateServer();
            var error = Assert.Throws<SshProtocolException>(() => server.Respond(malformed));
            Assert.Equal(DisconnectReason.KeyExchangeFailed, error.Reason);
            Assert.Contains($"{name}: the client's public value Q_C is {malformed.Length} bytes but must be exactly {length}", error.Message);
        }
    }

    [Theory]
    [InlineData("mlkem768x25519-sha256", 1120)]
    [InlineData("sntrup761x25519-sha512@openssh.com", 1071)]
    public void Client_rejects_a_Q_S_of_the_wrong_length_or_with_trailing_bytes(string name, int length)
    {
        var algorithm = AlgorithmTable.Default.FindKeyExchange(name)!;
        using var client = algorithm.CreateClient();
        using var server = algorithm.CreateServer();
        var valid = server.Respond(client.ClientPublic).ServerPublic;
        Assert.Equal(length, valid.Length);
        foreach (var malformed in new[] { [], valid[..^1], [.. valid, 0], valid[..^32] })
        {
            var error = Assert.Throws<SshProtocolException>(() => client.ComputeSharedSecret(malformed));
            Assert.Equal(DisconnectReason.KeyExchangeFailed, error.Reason);
            Assert.Contains($"Q_S is {malformed.Length} bytes but must be exactly {length}", error.Message);
        }
    }

    [Theory]
    [InlineData("mlkem768x25519-sha256", "0000000000000000000000000000000000000000000000000000000000000000")]
    [InlineData("mlkem768x25519-sha256", "e0eb7a7c3b41b8ae1656e3faf19fc46ada098deb9c32b1fd866205165f49b800")]
    [InlineData("sntrup761x25519-sha512@openssh.com", "0100000000000000000000000000000000000000000000000000000000000000")]
    [InlineData("sntrup761x25519-sha512", "ecffffffffffffffffffffffffffffffffffffffffffffffffffffffffffff7f")]
    public void Server_rejects_an_X25519_key_that_gives_an_all_zero_secret(string name, string smallOrderPoint)
    {
        var algorithm = AlgorithmTable.Default.FindKeyExchange(name)!;
        using var client = algorithm.CreateClient();
        var clientPublic = client.ClientPublic;
        Convert.FromHexString(smallOrderPoint).CopyTo(clientPublic, clientPublic.Length - 32);
        using var server = algorithm.CreateServer();
        var error = Assert.Throws<SshProtocolException>(() => server.Respond(clientPublic));
        Assert.Equal(DisconnectReason.KeyExchangeFailed, error.Reason);
        Assert.Contains("shared secret is zero", error.Message);
    }

    [Fact]
    public void Server_rejects_an_ml_kem_key_that_fails_the_modulus_check()
    {
        var algorithm = HybridKemKeyExchange.MlKem768X25519Sha256;
        using var client = algorithm.CreateClient();
        var clientPublic = client.ClientPublic;
        // The first 12-bit coefficient becomes 0xfff = 4095, not below q = 3329.
        clientPublic[0] = 0xff;
        clientPublic[1] |= 0x0f;
        using var server = algorithm.CreateServer();
        var error = Assert.Throws<SshProtocolException>(() => server.Respond(clientPublic));
        Assert.Equal(DisconnectReason.KeyExchangeFailed, error.Reason);
        Assert.Contains("encapsulation key check", error.Message);
    }

    [Fact]
    public void Each_exchange_uses_fresh_ephemeral_keys()
    {
        var algorithm = HybridKemKeyExchange.Sntrup761X25519Sha512OpenSsh;
        using var client = algorithm.CreateClient();
        using var first = algorithm.CreateServer();
        using var second = algorithm.CreateServer();
        var a = first.Respond(client.ClientPublic);
        var b = second.Respond(client.ClientPublic);
        Assert.NotEqual(a.ServerPublic, b.ServerPublic);
        Assert.NotEqual(a.EncodedSharedSecret, b.EncodedSharedSecret);
    }

    private static byte[] BigEndian(uint value) => [(byte)(value >> 24), (byte)(value >> 16), (byte)(value >> 8), (byte)value];

    /// <summary>
    /// The client role written directly against BouncyCastle (KEM key generation and decapsulation, X25519) and
    /// .NET's hashes, sharing no code with the library's HybridKemClient.
    /// </summary>
    internal sealed class IndependentClient
    {
        private readonly Func<byte[], byte[]> _decapsulate;
        private readonly int _ciphertextLength;
        private readonly X25519PrivateKeyParameters _x25519;

        private IndependentClient(byte[] kemPublic, int ciphertextLength, Func<byte[], byte[]> decapsulate)
        {
            _x25519 = new X25519PrivateKeyParameters(new SecureRandom());
            ClientPublic = [.. kemPublic, .. _x25519.GeneratePublicKey().GetEncoded()];
            _ciphertextLength = ciphertextLength;
            _decapsulate = decapsulate;
        }

        public byte[] ClientPublic { get; }

        public static IndependentClient Create(string kexName)
        {
            var random = new SecureRandom();
            if (kexName.StartsWith("mlkem768", StringComparison.Ordinal))
            {
                var generator = new MLKemKeyPairGenerator();
                generator.Init(new MLKemKeyGenerationParameters(random, MLKemParameters.ml_kem_768));
                var pair = generator.GenerateKeyPair();
                return new IndependentClient(((MLKemPublicKeyParameters)pair.Public).GetEncoded(), 1088, ciphertext =>
                {
                    var decapsulator = new MLKemDecapsulator(MLKemParameters.ml_kem_768);
                    decapsulator.Init(pair.Private);
                    var secret = new byte[decapsulator.SecretLength];
                    decapsulator.Decapsulate(ciphertext, 0, ciphertext.Length, secret, 0, secret.Length);
                    return secret;
                });
            }
            var ntru = new SNtruPrimeKeyPairGenerator();
            ntru.Init(new SNtruPrimeKeyGenerationParameters(random, SNtruPrimeParameters.sntrup761));
            var ntruPair = ntru.GenerateKeyPair();
            return new IndependentClient(((SNtruPrimePublicKeyParameters)ntruPair.Public).GetEncoded(), 1039,
                ciphertext => new SNtruPrimeKemExtractor((SNtruPrimePrivateKeyParameters)ntruPair.Private).ExtractSecret(ciphertext));
        }

        /// <summary>K = HASH(kem_secret || x25519_secret), the raw digest.</summary>
        public byte[] SharedSecret(byte[] serverPublic, string hash)
        {
            Assert.Equal(_ciphertextLength + 32, serverPublic.Length);
            var kemSecret = _decapsulate(serverPublic[.._ciphertextLength]);
            Assert.Equal(32, kemSecret.Length);
            var ecdh = new byte[32];
            _x25519.GenerateSecret(new X25519PublicKeyParameters(serverPublic, _ciphertextLength), ecdh, 0);
            byte[] both = [.. kemSecret, .. ecdh];
            return hash == "SHA256" ? SHA256.HashData(both) : SHA512.HashData(both);
        }
    }
}
