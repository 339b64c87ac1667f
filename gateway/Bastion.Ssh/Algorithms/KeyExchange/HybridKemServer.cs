using System.Security.Cryptography;
using Org.BouncyCastle.Crypto.Prng;
using Org.BouncyCastle.Security;

namespace Bastion.Ssh.Algorithms.KeyExchange;

/// <summary>
/// The server's half of a hybrid KEM + X25519 exchange: splits Q_C, encapsulates against the client's KEM
/// key, agrees X25519 with a fresh key pair and replies Q_S = ciphertext || server X25519 key.
/// </summary>
internal sealed class HybridKemServer : IServerKeyExchange
{
    private readonly HybridKemKeyExchange _algorithm;
    private readonly X25519Ephemeral _x25519;
    private readonly SecureRandom _random;

    public HybridKemServer(HybridKemKeyExchange algorithm)
        : this(algorithm, new X25519Ephemeral(), new SecureRandom(new CryptoApiRandomGenerator()))
    {
    }

    /// <summary>Fixed X25519 key and KEM randomness; for known-answer tests.</summary>
    internal HybridKemServer(HybridKemKeyExchange algorithm, X25519Ephemeral x25519, SecureRandom random)
    {
        _algorithm = algorithm;
        _x25519 = x25519;
        _random = random;
    }

    public KeyExchangeResult Respond(ReadOnlySpan<byte> clientPublic)
    {
        var kem = _algorithm.Kem;
        if (clientPublic.Length != _algorithm.ClientPublicLength)
        {
            throw _algorithm.WrongLength("client's public value Q_C", clientPublic.Length, _algorithm.ClientPublicLength,
                $"a {kem.PublicKeyLength}-byte {kem.Name} public key then a 32-byte X25519 key");
        }
        var serverPublic = new byte[_algorithm.ServerPublicLength];
        var secrets = new byte[kem.SharedSecretLength + HybridKemKeyExchange.X25519Length];
        try
        {
            kem.Encapsulate(clientPublic[..kem.PublicKeyLength], _random,
                serverPublic.AsSpan(0, kem.CiphertextLength), secrets.AsSpan(0, kem.SharedSecretLength));
            var ecdh = _x25519.Agree(clientPublic[kem.PublicKeyLength..]);
            ecdh.CopyTo(secrets, kem.SharedSecretLength);
            CryptographicOperations.ZeroMemory(ecdh);
            _x25519.PublicKey.CopyTo(serverPublic, kem.CiphertextLength);
            return new KeyExchangeResult(serverPublic, _algorithm.EncodeSharedSecret(secrets));
        }
        finally
        {
            CryptographicOperations.ZeroMemory(secrets);
        }
    }

    public void Dispose() => _x25519.Dispose();
}
