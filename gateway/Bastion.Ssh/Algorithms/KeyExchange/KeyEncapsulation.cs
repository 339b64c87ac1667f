using Org.BouncyCastle.Security;

namespace Bastion.Ssh.Algorithms.KeyExchange;

/// <summary>
/// A post-quantum key encapsulation mechanism as the hybrid SSH key exchanges use it: the client sends a
/// public key, the server encapsulates a fresh secret against it and replies with the ciphertext. Keys and
/// ciphertexts are the raw byte strings of the KEM's own specification, which is what goes on the wire.
/// </summary>
internal abstract class KeyEncapsulation
{
    /// <summary>Name used in error messages, e.g. "ML-KEM-768".</summary>
    public abstract string Name { get; }

    public abstract int PublicKeyLength { get; }

    public abstract int CiphertextLength { get; }

    public abstract int SharedSecretLength { get; }

    /// <summary>
    /// Encapsulates a fresh secret against <paramref name="publicKey"/> (exactly <see cref="PublicKeyLength"/>
    /// bytes). Throws <see cref="Wire.SshProtocolException"/> (KeyExchangeFailed) for a key the KEM rejects.
    /// </summary>
    public abstract void Encapsulate(ReadOnlySpan<byte> publicKey, SecureRandom random, Span<byte> ciphertext, Span<byte> sharedSecret);

    /// <summary>Generates a key pair for the client role.</summary>
    public abstract KemPrivateKey GenerateKeyPair(SecureRandom random);
}

/// <summary>The client's half of a KEM key pair: the public key to send and the means to open a ciphertext.</summary>
internal abstract class KemPrivateKey
{
    public abstract byte[] PublicKey { get; }

    /// <summary>Opens a ciphertext of exactly <see cref="KeyEncapsulation.CiphertextLength"/> bytes.</summary>
    public abstract void Decapsulate(ReadOnlySpan<byte> ciphertext, Span<byte> sharedSecret);
}
