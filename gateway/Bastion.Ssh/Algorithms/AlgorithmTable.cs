using Bastion.Ssh.Algorithms.Ciphers;
using Bastion.Ssh.Algorithms.KeyExchange;
using Bastion.Ssh.Algorithms.Macs;
using Bastion.Ssh.Algorithms.PublicKeys;

namespace Bastion.Ssh.Algorithms;

/// <summary>
/// The algorithms a server offers, each list in preference order (the order sent in KEXINIT and
/// server-sig-algs). Immutable; <see cref="Restrict"/> derives a narrower table from configuration.
/// </summary>
public sealed class AlgorithmTable
{
    public required IReadOnlyList<KeyExchangeAlgorithm> KeyExchanges { get; init; }

    public required IReadOnlyList<CipherAlgorithm> Ciphers { get; init; }

    public required IReadOnlyList<MacAlgorithm> Macs { get; init; }

    public required IReadOnlyList<PublicKeyAlgorithm> PublicKeys { get; init; }

    /// <summary>Everything this library implements, strongest and fastest first.</summary>
    public static AlgorithmTable Default { get; } = new()
    {
        KeyExchanges = Array.AsReadOnly<KeyExchangeAlgorithm>(
        [
            HybridKemKeyExchange.MlKem768X25519Sha256,
            HybridKemKeyExchange.Sntrup761X25519Sha512OpenSsh,
            HybridKemKeyExchange.Sntrup761X25519Sha512,
            Curve25519KeyExchange.Sha256,
            Curve25519KeyExchange.Sha256LibSsh,
            DiffieHellmanKeyExchange.Group16Sha512,
            DiffieHellmanKeyExchange.Group14Sha256,
        ]),
        Ciphers = Array.AsReadOnly<CipherAlgorithm>(
        [
            ChaCha20Poly1305Cipher.Instance,
            AesGcmCipher.Aes256,
            AesGcmCipher.Aes128,
            AesCtrCipher.Aes256,
            AesCtrCipher.Aes128,
        ]),
        Macs = Array.AsReadOnly<MacAlgorithm>(
        [
            HmacSha2Mac.Sha256Etm,
            HmacSha2Mac.Sha512Etm,
            HmacSha2Mac.Sha256,
            HmacSha2Mac.Sha512,
        ]),
        PublicKeys = Array.AsReadOnly<PublicKeyAlgorithm>(
        [
            Ed25519PublicKeyAlgorithm.Instance,
            EcdsaPublicKeyAlgorithm.NistP256,
            EcdsaPublicKeyAlgorithm.NistP384,
            EcdsaPublicKeyAlgorithm.NistP521,
            SecurityKeyPublicKeyAlgorithm.EcdsaNistP256,
            SecurityKeyPublicKeyAlgorithm.Ed25519,
            RsaSha2PublicKeyAlgorithm.Sha512,
            RsaSha2PublicKeyAlgorithm.Sha256,
        ]),
    };

    public KeyExchangeAlgorithm? FindKeyExchange(string name) => Find(KeyExchanges, name, static a => a.Name);

    public CipherAlgorithm? FindCipher(string name) => Find(Ciphers, name, static a => a.Name);

    public MacAlgorithm? FindMac(string name) => Find(Macs, name, static a => a.Name);

    public PublicKeyAlgorithm? FindPublicKey(string name) => Find(PublicKeys, name, static a => a.Name);

    /// <summary>
    /// A copy limited to the named algorithms, keeping this table's order. A null list leaves that category
    /// unchanged. Unknown names, or a restriction that leaves a category empty, are configuration errors.
    /// </summary>
    /// <exception cref="ArgumentException">A name is not in this table, or a category would become empty.</exception>
    public AlgorithmTable Restrict(
        IEnumerable<string>? keyExchanges = null,
        IEnumerable<string>? ciphers = null,
        IEnumerable<string>? macs = null,
        IEnumerable<string>? publicKeys = null) => new()
        {
            KeyExchanges = Limit(KeyExchanges, keyExchanges, static a => a.Name, "key exchange"),
            Ciphers = Limit(Ciphers, ciphers, static a => a.Name, "cipher"),
            Macs = Limit(Macs, macs, static a => a.Name, "MAC"),
            PublicKeys = Limit(PublicKeys, publicKeys, static a => a.Name, "public key"),
        };

    private static T? Find<T>(IReadOnlyList<T> algorithms, string name, Func<T, string> nameOf) where T : class
    {
        foreach (var algorithm in algorithms)
        {
            if (string.Equals(nameOf(algorithm), name, StringComparison.Ordinal))
            {
                return algorithm;
            }
        }
        return null;
    }

    private static IReadOnlyList<T> Limit<T>(IReadOnlyList<T> algorithms, IEnumerable<string>? names, Func<T, string> nameOf, string kind)
    {
        if (names is null)
        {
            return algorithms;
        }
        var wanted = new HashSet<string>(names, StringComparer.Ordinal);
        var known = algorithms.Select(nameOf).ToHashSet(StringComparer.Ordinal);
        var unknown = wanted.Where(name => !known.Contains(name)).ToList();
        if (unknown.Count > 0)
        {
            throw new ArgumentException(
                $"unknown {kind} algorithm(s): {string.Join(", ", unknown)}; supported: {string.Join(", ", known)}");
        }
        var kept = algorithms.Where(a => wanted.Contains(nameOf(a))).ToArray();
        if (kept.Length == 0)
        {
            throw new ArgumentException($"no {kind} algorithm left after restriction");
        }
        return Array.AsReadOnly(kept);
    }
}
