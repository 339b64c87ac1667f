using System.Security.Cryptography;
using Org.BouncyCastle.Crypto.Prng;
using Org.BouncyCastle.Security;

namespace Bastion.Ssh.Algorithms.KeyExchange;

/// <summary>
/// The client's half of a hybrid KEM + X25519 exchange: Q_C = KEM public key || X25519 public key, and K from
/// decapsulating the server's ciphertext and agreeing X25519 with the server's key.
/// </summary>
internal sealed class HybridKemClient : IClientKeyExchange
{
    private readonly HybridKemKeyExchange _algorithm;
    private readonly KemPrivateKey _kemKey;
    private readonly X25519Ephemeral _x25519;

    public HybridKemClient(HybridKemKeyExchange algorithm)
        : this(algorithm, algorithm.Kem.GenerateKeyPair(new SecureRandom(new CryptoApiRandomGenerator())), new X25519Ephemeral())
    {
    }

    /// <summary>Fixed keys; for known-answer tests.</summary>
    internal HybridKemClient(HybridKemKeyExchange algorithm, KemPrivateKey kemKey, X25519Ephemeral x25519)
    {
        _algorithm = algorithm;
        _kemKey = kemKey;
        _x25519 = x25519;
    }

    public byte[] ClientPublic => [.. _kemKey.PublicKey, .. _x25519.PublicKey];

    public byte[] ComputeSharedSecret(ReadOnlySpan<byte> serverPublic)
    {
        var kem = _algorithm.Kem;
        if (serverPublic.Length != _algorithm.ServerPublicLength)
        {
            throw _algorithm.WrongLength("server's reply Q_S", serverPublic.Length, _algorithm.ServerPublicLength,
                $"a {kem.CiphertextLength}-byte {kem.Name} ciphertext then a 32-byte X25519 key");
        }
        var secrets = new byte[kem.SharedSecretLength + HybridKemKeyExchange.X25519Length];
        try
        {
            _kemKey.Decapsulate(serverPublic[..kem.CiphertextLength], secrets.AsSpan(0, kem.SharedSecretLength));
            var ecdh = _x25519.Agree(serverPublic[kem.CiphertextLength..]);
            ecdh.CopyTo(secrets, kem.SharedSecretLength);
            CryptographicOperations.ZeroMemory(ecdh);
            return _algorithm.EncodeSharedSecret(secrets);
        }
        finally
        {
            CryptographicOperations.ZeroMemory(secrets);
        }
    }

    public void Dispose() => _x25519.Dispose();
}
