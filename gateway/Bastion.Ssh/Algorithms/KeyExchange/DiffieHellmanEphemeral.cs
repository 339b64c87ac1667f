using System.Numerics;
using System.Security.Cryptography;
using Bastion.Ssh.Wire;

namespace Bastion.Ssh.Algorithms.KeyExchange;

/// <summary>
/// One side of a finite-field Diffie-Hellman exchange (RFC 4253 §8, RFC 8268): a fresh exponent x, the public
/// value g^x mod p as mpint bytes, and K = peer^x mod p. Peer values outside 1 &lt; y &lt; p-1 are rejected,
/// which rules out the trivial subgroup {1, p-1} and 0.
/// </summary>
internal sealed class DiffieHellmanEphemeral : IServerKeyExchange, IClientKeyExchange
{
    private readonly DiffieHellmanGroup _group;
    private readonly BigInteger _exponent;
    private readonly byte[] _publicValue;

    public DiffieHellmanEphemeral(DiffieHellmanGroup group)
    {
        _group = group;
        _exponent = RandomExponent();
        _publicValue = BigInteger.ModPow(group.Generator, _exponent, group.Prime).ToByteArray(isUnsigned: false, isBigEndian: true);
    }

    public byte[] ClientPublic => (byte[])_publicValue.Clone();

    public KeyExchangeResult Respond(ReadOnlySpan<byte> clientPublic) =>
        new((byte[])_publicValue.Clone(), Agree(clientPublic));

    /// <returns>K encoded like <see cref="KeyExchangeResult.EncodedSharedSecret"/>.</returns>
    public byte[] ComputeSharedSecret(ReadOnlySpan<byte> serverPublic) => Agree(serverPublic);

    // BigInteger is immutable and cannot be wiped; the exponent becomes garbage with this object.
    public void Dispose() { }

    private byte[] Agree(ReadOnlySpan<byte> peerMpint)
    {
        var peer = ParsePublicValue(peerMpint);
        var shared = BigInteger.ModPow(peer, _exponent, _group.Prime);
        using var writer = new SshWriter(_group.PrimeBytes + 8);
        writer.WriteMpint(shared);
        return writer.ToArray();
    }

    private BigInteger ParsePublicValue(ReadOnlySpan<byte> mpint)
    {
        // Bound the size before parsing so a huge value costs nothing; negative mpints are out of range anyway.
        if (mpint.Length > _group.PrimeBytes + 1)
        {
            throw Reject($"DH public value is {mpint.Length} bytes, longer than the group's prime");
        }
        if (mpint.Length > 0 && (mpint[0] & 0x80) != 0)
        {
            throw Reject("DH public value is negative");
        }
        var value = new BigInteger(mpint, isUnsigned: true, isBigEndian: true);
        if (value <= BigInteger.One || value >= _group.Prime - BigInteger.One)
        {
            throw Reject("DH public value is outside 1 < y < p-1");
        }
        return value;
    }

    private static SshProtocolException Reject(string message) => new(DisconnectReason.KeyExchangeFailed, message);

    private static BigInteger RandomExponent()
    {
        Span<byte> random = stackalloc byte[DiffieHellmanGroup.PrivateExponentBits / 8];
        RandomNumberGenerator.Fill(random);
        // Top bit set, as OpenSSL's DH key generation does, so the exponent has exactly the intended length.
        random[0] |= 0x80;
        var exponent = new BigInteger(random, isUnsigned: true, isBigEndian: true);
        CryptographicOperations.ZeroMemory(random);
        return exponent;
    }
}
