using System.Security.Cryptography;

namespace Bastion.Ssh.Algorithms.KeyExchange;

/// <summary>One negotiable key exchange method, keyed by its wire name.</summary>
public abstract class KeyExchangeAlgorithm
{
    public abstract string Name { get; }

    /// <summary>The exchange hash H and key derivation (RFC 4253 §7.2) use this hash.</summary>
    public abstract HashAlgorithmName HashAlgorithm { get; }

    /// <summary>Creates the server side of one exchange with fresh ephemeral secrets.</summary>
    public abstract IServerKeyExchange CreateServer();

    /// <summary>Creates the client side (used by tests and by the gateway when it terminates inner sessions).</summary>
    public abstract IClientKeyExchange CreateClient();

    public byte[] Hash(ReadOnlySpan<byte> data) => HashAlgorithm.Name switch
    {
        "SHA256" => SHA256.HashData(data),
        "SHA384" => SHA384.HashData(data),
        "SHA512" => SHA512.HashData(data),
        _ => throw new NotSupportedException($"hash {HashAlgorithm.Name} is not supported"),
    };
}

/// <summary>
/// The server's half of an ephemeral exchange. Public values are the exact bytes carried in the
/// KEXDH_INIT / KEX_ECDH_INIT string field (for finite-field DH that string is the mpint encoding of e or f),
/// so the transport hashes them with WriteString regardless of the family.
/// </summary>
public interface IServerKeyExchange : IDisposable
{
    /// <summary>
    /// Validates the client's public value, computes the server's public value and the shared secret.
    /// Throws <see cref="Wire.SshProtocolException"/> (KeyExchangeFailed) for an invalid public value.
    /// </summary>
    KeyExchangeResult Respond(ReadOnlySpan<byte> clientPublic);
}

public interface IClientKeyExchange : IDisposable
{
    /// <summary>The client's public value (e or Q_C) as sent in the INIT message string field.</summary>
    byte[] ClientPublic { get; }

    /// <summary>Computes the shared secret from the server's public value.</summary>
    /// <returns>K encoded exactly like <see cref="KeyExchangeResult.EncodedSharedSecret"/> (uint32 length || mpint body),
    /// so both sides can be compared byte for byte.</returns>
    byte[] ComputeSharedSecret(ReadOnlySpan<byte> serverPublic);
}

/// <param name="ServerPublic">f or Q_S as carried in the REPLY string field.</param>
/// <param name="EncodedSharedSecret">K exactly as it enters the exchange hash and key derivation, with its
/// uint32 length prefix: the mpint encoding for DH and curve25519 (RFC 8731 §3.1).</param>
public sealed record KeyExchangeResult(byte[] ServerPublic, byte[] EncodedSharedSecret);
