using System.Security.Cryptography;
using Org.BouncyCastle.Pqc.Crypto.NtruPrime;
using Org.BouncyCastle.Security;

namespace Bastion.Ssh.Algorithms.KeyExchange;

/// <summary>
/// Streamlined NTRU Prime sntrup761 from BouncyCastle: public key 1158 bytes, ciphertext 1039 bytes, shared
/// secret 32 bytes, the sizes of OpenSSH's crypto_kem_sntrup761 (older BouncyCastle releases produced 16-byte
/// secrets for this parameter set; the unit tests pin 32). Any 1158-byte string decodes to a valid public key,
/// so there is nothing to check beyond the length.
/// </summary>
internal sealed class Sntrup761 : KeyEncapsulation
{
    public static readonly Sntrup761 Instance = new();

    private static readonly SNtruPrimeParameters Parameters = SNtruPrimeParameters.sntrup761;

    private Sntrup761() { }

    public override string Name => "sntrup761";

    public override int PublicKeyLength => 1158;

    public override int CiphertextLength => 1039;

    public override int SharedSecretLength => 32;

    public override void Encapsulate(ReadOnlySpan<byte> publicKey, SecureRandom random, Span<byte> ciphertext, Span<byte> sharedSecret)
    {
        var key = new SNtruPrimePublicKeyParameters(Parameters, publicKey[..PublicKeyLength].ToArray());
        using var encapsulated = new SNtruPrimeKemGenerator(random).GenerateEncapsulated(key);
        var secret = encapsulated.GetSecret();
        try
        {
            encapsulated.GetEncapsulation().AsSpan().CopyTo(ciphertext[..CiphertextLength]);
            secret.AsSpan().CopyTo(sharedSecret[..SharedSecretLength]);
        }
        finally
        {
            CryptographicOperations.ZeroMemory(secret);
        }
    }

    public override KemPrivateKey GenerateKeyPair(SecureRandom random)
    {
        var generator = new SNtruPrimeKeyPairGenerator();
        generator.Init(new SNtruPrimeKeyGenerationParameters(random, Parameters));
        var pair = generator.GenerateKeyPair();
        return new PrivateKey((SNtruPrimePublicKeyParameters)pair.Public, (SNtruPrimePrivateKeyParameters)pair.Private);
    }

    private sealed class PrivateKey(SNtruPrimePublicKeyParameters publicKey, SNtruPrimePrivateKeyParameters privateKey) : KemPrivateKey
    {
        public override byte[] PublicKey => publicKey.GetEncoded();

        public override void Decapsulate(ReadOnlySpan<byte> ciphertext, Span<byte> sharedSecret)
        {
            var secret = new SNtruPrimeKemExtractor(privateKey).ExtractSecret(ciphertext.ToArray());
            try
            {
                secret.AsSpan().CopyTo(sharedSecret);
            }
            finally
            {
                CryptographicOperations.ZeroMemory(secret);
            }
        }
    }
}
