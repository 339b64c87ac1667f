using Bastion.Ssh.Wire;
using Org.BouncyCastle.Crypto.Generators;
using Org.BouncyCastle.Crypto.Kems;
using Org.BouncyCastle.Crypto.Parameters;
using Org.BouncyCastle.Security;

namespace Bastion.Ssh.Algorithms.KeyExchange;

/// <summary>
/// ML-KEM-768 (FIPS 203) from BouncyCastle. The encapsulation key and ciphertext are FIPS 203's byte
/// encodings (ek 1184 bytes, c 1088 bytes), which draft-ietf-sshm-mlkem-hybrid-kex puts on the wire unchanged.
/// </summary>
internal sealed class MlKem768 : KeyEncapsulation
{
    public static readonly MlKem768 Instance = new();

    private static readonly MLKemParameters Parameters = MLKemParameters.ml_kem_768;

    private MlKem768() { }

    public override string Name => "ML-KEM-768";

    public override int PublicKeyLength => 1184;

    public override int CiphertextLength => 1088;

    public override int SharedSecretLength => 32;

    public override void Encapsulate(ReadOnlySpan<byte> publicKey, SecureRandom random, Span<byte> ciphertext, Span<byte> sharedSecret)
    {
        MLKemPublicKeyParameters key;
        try
        {
            // FromEncoding performs FIPS 203 §7.2's encapsulation key check (every coefficient below q), which
            // the draft requires of the server; OpenSSH does the same before encapsulating.
            key = MLKemPublicKeyParameters.FromEncoding(Parameters, publicKey.ToArray());
        }
        catch (ArgumentException)
        {
            throw new SshProtocolException(DisconnectReason.KeyExchangeFailed,
                "the client's ML-KEM-768 public key fails the FIPS 203 encapsulation key check (a coefficient is not below q)");
        }
        var encapsulator = new MLKemEncapsulator(Parameters);
        encapsulator.Init(new ParametersWithRandom(key, random));
        encapsulator.Encapsulate(ciphertext[..CiphertextLength], sharedSecret[..SharedSecretLength]);
    }

    public override KemPrivateKey GenerateKeyPair(SecureRandom random)
    {
        var generator = new MLKemKeyPairGenerator();
        generator.Init(new MLKemKeyGenerationParameters(random, Parameters));
        return new PrivateKey((MLKemPrivateKeyParameters)generator.GenerateKeyPair().Private);
    }

    /// <summary>A key pair from a FIPS 203 seed (d || z, 64 bytes); for known-answer tests.</summary>
    internal static KemPrivateKey FromSeed(byte[] seed) => new PrivateKey(MLKemPrivateKeyParameters.FromSeed(Parameters, seed));

    private sealed class PrivateKey(MLKemPrivateKeyParameters key) : KemPrivateKey
    {
        public override byte[] PublicKey => key.GetPublicKeyEncoded();

        public override void Decapsulate(ReadOnlySpan<byte> ciphertext, Span<byte> sharedSecret)
        {
            var decapsulator = new MLKemDecapsulator(Parameters);
            decapsulator.Init(key);
            decapsulator.Decapsulate(ciphertext, sharedSecret[..decapsulator.SecretLength]);
        }
    }
}
