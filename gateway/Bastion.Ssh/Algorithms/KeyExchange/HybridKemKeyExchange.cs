using System.Security.Cryptography;
using Bastion.Ssh.Wire;

namespace Bastion.Ssh.Algorithms.KeyExchange;

/// <summary>
/// Post-quantum/classical hybrid key exchanges: a KEM combined with X25519 in one round trip over the
/// KEX_ECDH_INIT/REPLY messages. Q_C = KEM public key || X25519 public key; Q_S = KEM ciphertext || X25519 public
/// key; K = HASH(KEM shared secret || X25519 shared secret), encoded as an SSH string (not an mpint) in the
/// exchange hash and key derivation. Specified by draft-ietf-sshm-mlkem-hybrid-kex (mlkem768x25519-sha256) and
/// draft-josefsson-ntruprime-ssh (sntrup761x25519-sha512, first deployed as ...@openssh.com).
/// </summary>
/// <remarks>
/// Cost of the server side (Respond), measured on the shared 2-core x86-64 VM under a load average near 20, so
/// read the ratios rather than the absolute values: mlkem768x25519 about 1.5 ms, sntrup761x25519 about 35 ms
/// (BouncyCastle's managed sntrup761 encapsulation), curve25519 about 0.15 ms. OpenSSH 9.x clients choose
/// sntrup761 by default, so it is the common pre-authentication CPU cost per connection.
/// </remarks>
public sealed class HybridKemKeyExchange : KeyExchangeAlgorithm
{
    public static readonly HybridKemKeyExchange MlKem768X25519Sha256 =
        new("mlkem768x25519-sha256", MlKem768.Instance, HashAlgorithmName.SHA256);

    public static readonly HybridKemKeyExchange Sntrup761X25519Sha512OpenSsh =
        new("sntrup761x25519-sha512@openssh.com", Sntrup761.Instance, HashAlgorithmName.SHA512);

    /// <summary>The standardised name of the same method; OpenSSH 9.9 and later offer both.</summary>
    public static readonly HybridKemKeyExchange Sntrup761X25519Sha512 =
        new("sntrup761x25519-sha512", Sntrup761.Instance, HashAlgorithmName.SHA512);

    private HybridKemKeyExchange(string name, KeyEncapsulation kem, HashAlgorithmName hash)
    {
        Name = name;
        Kem = kem;
        HashAlgorithm = hash;
    }

    public override string Name { get; }

    public override HashAlgorithmName HashAlgorithm { get; }

    internal KeyEncapsulation Kem { get; }

    /// <summary>Length of Q_C: the KEM public key followed by a 32-byte X25519 key.</summary>
    internal int ClientPublicLength => Kem.PublicKeyLength + X25519Length;

    /// <summary>Length of Q_S: the KEM ciphertext followed by a 32-byte X25519 key.</summary>
    internal int ServerPublicLength => Kem.CiphertextLength + X25519Length;

    internal const int X25519Length = 32;

    public override IServerKeyExchange CreateServer() => new HybridKemServer(this);

    public override IClientKeyExchange CreateClient() => new HybridKemClient(this);

    /// <summary>K = HASH(kem_secret || x25519_secret) as an SSH string: uint32 length || digest.</summary>
    internal byte[] EncodeSharedSecret(ReadOnlySpan<byte> kemThenX25519Secret)
    {
        var digest = Hash(kemThenX25519Secret);
        try
        {
            using var writer = new SshWriter(4 + digest.Length);
            writer.WriteString(digest);
            return writer.ToArray();
        }
        finally
        {
            CryptographicOperations.ZeroMemory(digest);
        }
    }

    internal SshProtocolException WrongLength(string what, int actual, int expected, string parts) =>
        new(DisconnectReason.KeyExchangeFailed,
            $"{Name}: the {what} is {actual} bytes but must be exactly {expected} ({parts}); the peer's implementation of {Name} is incompatible");
}
