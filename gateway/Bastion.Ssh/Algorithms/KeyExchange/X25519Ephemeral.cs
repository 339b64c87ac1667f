using System.Security.Cryptography;
using Bastion.Ssh.Algorithms.Native;
using Bastion.Ssh.Wire;

namespace Bastion.Ssh.Algorithms.KeyExchange;

/// <summary>
/// One side of a curve25519-sha256 exchange (RFC 8731): a fresh X25519 key pair whose public half is Q_S or
/// Q_C, and the shared secret K encoded as an mpint of the 32 X25519 output bytes read as an unsigned
/// big-endian number (RFC 8731 §3.1). The same arithmetic serves the server and the client role.
/// </summary>
internal sealed unsafe class X25519Ephemeral : IServerKeyExchange, IClientKeyExchange
{
    private readonly byte[] _privateKey = new byte[LibSodium.X25519Bytes];
    private readonly byte[] _publicKey = new byte[LibSodium.X25519Bytes];

    public X25519Ephemeral()
    {
        // Any 32 bytes are a valid scalar: libsodium applies the RFC 7748 clamping.
        RandomNumberGenerator.Fill(_privateKey);
        DerivePublicKey();
    }

    /// <summary>Uses a given private scalar; for known-answer tests.</summary>
    internal X25519Ephemeral(ReadOnlySpan<byte> privateKey)
    {
        if (privateKey.Length != LibSodium.X25519Bytes)
        {
            throw new ArgumentException("an X25519 private key is 32 bytes", nameof(privateKey));
        }
        privateKey.CopyTo(_privateKey);
        DerivePublicKey();
    }

    public byte[] ClientPublic => (byte[])_publicKey.Clone();

    internal byte[] PublicKey => (byte[])_publicKey.Clone();

    public KeyExchangeResult Respond(ReadOnlySpan<byte> clientPublic) =>
        new(PublicKey, AgreeEncoded(clientPublic));

    /// <returns>K encoded like <see cref="KeyExchangeResult.EncodedSharedSecret"/>.</returns>
    public byte[] ComputeSharedSecret(ReadOnlySpan<byte> serverPublic) => AgreeEncoded(serverPublic);

    public void Dispose() => CryptographicOperations.ZeroMemory(_privateKey);

    /// <summary>The raw 32-byte X25519 output; for known-answer tests.</summary>
    internal byte[] Agree(ReadOnlySpan<byte> peerPublic)
    {
        // RFC 8731 §3: a peer public key is exactly 32 bytes.
        if (peerPublic.Length != LibSodium.X25519Bytes)
        {
            throw new SshProtocolException(DisconnectReason.KeyExchangeFailed,
                $"curve25519 public key must be 32 bytes, got {peerPublic.Length}");
        }
        var shared = new byte[LibSodium.X25519Bytes];
        int status;
        fixed (byte* output = shared)
        fixed (byte* scalar = _privateKey)
        fixed (byte* point = peerPublic)
        {
            status = LibSodium.crypto_scalarmult_curve25519(output, scalar, point);
        }
        // libsodium fails exactly when the result is all zeros, i.e. the peer sent a small-order point;
        // RFC 8731 §3 requires aborting then. Check the bytes as well so the rule does not hinge on that.
        if (status != 0 || IsAllZero(shared))
        {
            throw new SshProtocolException(DisconnectReason.KeyExchangeFailed,
                "curve25519 shared secret is zero (peer sent a small-order point)");
        }
        return shared;
    }

    private byte[] AgreeEncoded(ReadOnlySpan<byte> peerPublic)
    {
        var shared = Agree(peerPublic);
        try
        {
            using var writer = new SshWriter(40);
            writer.WriteMpintFromUnsigned(shared);
            return writer.ToArray();
        }
        finally
        {
            CryptographicOperations.ZeroMemory(shared);
        }
    }

    private void DerivePublicKey()
    {
        fixed (byte* output = _publicKey)
        fixed (byte* scalar = _privateKey)
        {
            LibSodium.crypto_scalarmult_curve25519_base(output, scalar);
        }
    }

    private static bool IsAllZero(ReadOnlySpan<byte> bytes)
    {
        var accumulated = 0;
        foreach (var b in bytes)
        {
            accumulated |= b;
        }
        return accumulated == 0;
    }
}
