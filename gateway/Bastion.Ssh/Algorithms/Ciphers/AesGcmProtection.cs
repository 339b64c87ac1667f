using System.Buffers.Binary;
using System.Security.Cryptography;

namespace Bastion.Ssh.Algorithms.Ciphers;

/// <summary>
/// One direction of AES-GCM for SSH (RFC 5647 §7): the packet_length travels in the clear as the additional
/// authenticated data, the body is the GCM plaintext, and the 12-byte nonce is a 4-byte fixed field followed by
/// a 64-bit big-endian invocation counter that starts at the derived IV and increases by one per packet.
/// The sequence number is not an input: the counter alone keeps nonces unique within one key.
/// </summary>
internal sealed class AesGcmProtection : IPacketProtection
{
    internal const int NonceLength = 12;
    private const int LengthBytes = 4;
    private const int GcmTagBytes = 16;

    private readonly AesGcm _gcm;
    private readonly byte[] _nonce = new byte[NonceLength];

    public AesGcmProtection(ReadOnlySpan<byte> key, ReadOnlySpan<byte> iv)
    {
        _gcm = new AesGcm(key, GcmTagBytes);
        iv.CopyTo(_nonce);
    }

    public int BlockSize => 16;

    public int TagLength => GcmTagBytes;

    /// <summary>
    /// False: the length is not encrypted, so only padding_length || payload || padding (the value of
    /// packet_length) must be a multiple of 16. RFC 5647 §7.2 states this, and OpenSSH enforces it
    /// (packet.c: with aadlen == 4, <c>packlen % block_size</c> must be 0 and padding is computed on the
    /// length-excluded size).
    /// </summary>
    public bool LengthIsAligned => false;

    public uint ReadPacketLength(uint sequenceNumber, ReadOnlySpan<byte> first4) =>
        BinaryPrimitives.ReadUInt32BigEndian(first4);

    public bool Open(uint sequenceNumber, Span<byte> packet, ReadOnlySpan<byte> tag)
    {
        if (packet.Length < LengthBytes || tag.Length != GcmTagBytes)
        {
            return false;
        }
        var body = packet[LengthBytes..];
        try
        {
            // AesGcm checks the tag before releasing any plaintext, and zeroes the output on failure.
            _gcm.Decrypt(_nonce, body, tag, body, packet[..LengthBytes]);
        }
        catch (AuthenticationTagMismatchException)
        {
            return false;
        }
        IncrementInvocationCounter();
        return true;
    }

    public void Seal(uint sequenceNumber, Span<byte> packet, Span<byte> tag)
    {
        if (packet.Length < LengthBytes || tag.Length < GcmTagBytes)
        {
            throw new ArgumentException("packet shorter than its length field or tag buffer too small");
        }
        var body = packet[LengthBytes..];
        _gcm.Encrypt(_nonce, body, body, tag[..GcmTagBytes], packet[..LengthBytes]);
        IncrementInvocationCounter();
    }

    public void Dispose()
    {
        _gcm.Dispose();
        CryptographicOperations.ZeroMemory(_nonce);
    }

    // RFC 5647 §7.1: the invocation counter is a 64-bit integer that wraps; OpenSSH (via OpenSSL's
    // EVP_CTRL_GCM_IV_GEN) increments the same last 8 bytes big-endian.
    private void IncrementInvocationCounter()
    {
        var counter = _nonce.AsSpan(4, 8);
        BinaryPrimitives.WriteUInt64BigEndian(counter, unchecked(BinaryPrimitives.ReadUInt64BigEndian(counter) + 1));
    }
}
