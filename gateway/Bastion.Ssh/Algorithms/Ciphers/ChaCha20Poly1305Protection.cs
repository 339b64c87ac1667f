using System.Buffers.Binary;
using System.Security.Cryptography;
using Bastion.Ssh.Algorithms.Native;

namespace Bastion.Ssh.Algorithms.Ciphers;

/// <summary>
/// One direction of chacha20-poly1305@openssh.com. Per packet, with nonce = uint64 sequence number:
/// the 4 length bytes are encrypted with ChaCha20(K_1) from block 0; the Poly1305 key is the first 32 bytes
/// of ChaCha20(K_2) block 0; the body is encrypted with ChaCha20(K_2) from block 1; the tag is Poly1305 over
/// the encrypted length and body. ChaCha20 here is djb's original with a 64-bit nonce, not RFC 8439's.
/// </summary>
/// <remarks>
/// <see cref="Open"/> leaves the decrypted packet_length in bytes 0..3, so after a successful open the packet
/// looks the same as with every other mode: plaintext length followed by the plaintext body.
/// </remarks>
internal sealed unsafe class ChaCha20Poly1305Protection : IPacketProtection
{
    private const int LengthBytes = 4;

    // Key layout from PROTOCOL.chacha20poly1305: the first half keys the payload, the second half the length.
    private readonly byte[] _payloadKey = new byte[LibSodium.ChaCha20KeyBytes];
    private readonly byte[] _lengthKey = new byte[LibSodium.ChaCha20KeyBytes];

    // Scratch reused for every packet so the hot path does not allocate.
    private readonly byte[] _nonce = new byte[LibSodium.ChaCha20NonceBytes];
    private readonly byte[] _polyKey = new byte[LibSodium.Poly1305KeyBytes];
    private readonly byte[] _length = new byte[LengthBytes];

    public ChaCha20Poly1305Protection(ReadOnlySpan<byte> key)
    {
        key[..32].CopyTo(_payloadKey);
        key[32..64].CopyTo(_lengthKey);
    }

    public int BlockSize => 8;

    public int TagLength => LibSodium.Poly1305TagBytes;

    public bool LengthIsAligned => false;

    public uint ReadPacketLength(uint sequenceNumber, ReadOnlySpan<byte> first4)
    {
        SetNonce(sequenceNumber);
        first4[..LengthBytes].CopyTo(_length);
        fixed (byte* length = _length)
        fixed (byte* nonce = _nonce)
        fixed (byte* key = _lengthKey)
        {
            LibSodium.crypto_stream_chacha20_xor_ic(length, length, LengthBytes, nonce, 0, key);
        }
        return BinaryPrimitives.ReadUInt32BigEndian(_length);
    }

    public bool Open(uint sequenceNumber, Span<byte> packet, ReadOnlySpan<byte> tag)
    {
        if (packet.Length < LengthBytes || tag.Length != TagLength)
        {
            return false;
        }
        SetNonce(sequenceNumber);
        DerivePolyKey();
        fixed (byte* data = packet)
        fixed (byte* expected = tag)
        fixed (byte* polyKey = _polyKey)
        fixed (byte* nonce = _nonce)
        fixed (byte* payloadKey = _payloadKey)
        fixed (byte* lengthKey = _lengthKey)
        {
            // Authenticate the ciphertext exactly as received before any of it is decrypted.
            if (LibSodium.crypto_onetimeauth_poly1305_verify(expected, data, (ulong)packet.Length, polyKey) != 0)
            {
                return false;
            }
            LibSodium.crypto_stream_chacha20_xor_ic(data, data, LengthBytes, nonce, 0, lengthKey);
            var body = data + LengthBytes;
            LibSodium.crypto_stream_chacha20_xor_ic(body, body, (ulong)(packet.Length - LengthBytes), nonce, 1, payloadKey);
        }
        return true;
    }

    public void Seal(uint sequenceNumber, Span<byte> packet, Span<byte> tag)
    {
        if (packet.Length < LengthBytes || tag.Length < TagLength)
        {
            throw new ArgumentException("packet shorter than its length field or tag buffer too small");
        }
        SetNonce(sequenceNumber);
        DerivePolyKey();
        fixed (byte* data = packet)
        fixed (byte* output = tag)
        fixed (byte* polyKey = _polyKey)
        fixed (byte* nonce = _nonce)
        fixed (byte* payloadKey = _payloadKey)
        fixed (byte* lengthKey = _lengthKey)
        {
            LibSodium.crypto_stream_chacha20_xor_ic(data, data, LengthBytes, nonce, 0, lengthKey);
            var body = data + LengthBytes;
            LibSodium.crypto_stream_chacha20_xor_ic(body, body, (ulong)(packet.Length - LengthBytes), nonce, 1, payloadKey);
            LibSodium.crypto_onetimeauth_poly1305(output, data, (ulong)packet.Length, polyKey);
        }
    }

    public void Dispose()
    {
        CryptographicOperations.ZeroMemory(_payloadKey);
        CryptographicOperations.ZeroMemory(_lengthKey);
        CryptographicOperations.ZeroMemory(_polyKey);
    }

    private void SetNonce(uint sequenceNumber) => BinaryPrimitives.WriteUInt64BigEndian(_nonce, sequenceNumber);

    private void DerivePolyKey()
    {
        fixed (byte* polyKey = _polyKey)
        fixed (byte* nonce = _nonce)
        fixed (byte* payloadKey = _payloadKey)
        {
            LibSodium.crypto_stream_chacha20(polyKey, LibSodium.Poly1305KeyBytes, nonce, payloadKey);
        }
    }
}
