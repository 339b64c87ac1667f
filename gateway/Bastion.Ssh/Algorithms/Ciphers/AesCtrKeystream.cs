using System.Buffers.Binary;
using System.Security.Cryptography;

namespace Bastion.Ssh.Algorithms.Ciphers;

/// <summary>
/// AES in counter mode (RFC 4344 §4): the keystream is AES_K(X), AES_K(X+1), ... where X is a 128-bit
/// big-endian counter initialised from the IV. The stream continues across packets, so unused keystream
/// bytes are kept for the next call. Keystream is produced a chunk at a time by encrypting a buffer of
/// consecutive counter blocks with one ECB call, which is how .NET reaches AES-NI throughput without a CTR API.
/// </summary>
internal sealed class AesCtrKeystream : IDisposable
{
    private const int AesBlock = 16;
    private const int ChunkBytes = 16 * 1024;

    private readonly Aes _aes;
    private readonly ICryptoTransform _ecb;
    // The 128-bit counter as two halves: incrementing and writing two integers per block is several times
    // faster than a byte-wise carry loop, and the counter fill is otherwise the slowest part of a refill.
    private ulong _counterHigh;
    private ulong _counterLow;
    private readonly byte[] _counterBlocks = new byte[ChunkBytes];
    private readonly byte[] _keystream = new byte[ChunkBytes];
    private int _keystreamStart;
    private int _keystreamEnd;

    public AesCtrKeystream(ReadOnlySpan<byte> key, ReadOnlySpan<byte> initialCounter)
    {
        if (initialCounter.Length != AesBlock)
        {
            throw new ArgumentException($"AES-CTR needs a {AesBlock}-byte initial counter", nameof(initialCounter));
        }
        _aes = Aes.Create();
        _aes.SetKey(key);
        _aes.Mode = CipherMode.ECB;
        _aes.Padding = PaddingMode.None;
        // A reusable transform: the one-shot Aes.EncryptEcb would set up a new native context per call.
        _ecb = _aes.CreateEncryptor();
        _counterHigh = BinaryPrimitives.ReadUInt64BigEndian(initialCounter);
        _counterLow = BinaryPrimitives.ReadUInt64BigEndian(initialCounter[8..]);
    }

    /// <summary>XORs the next <c>data.Length</c> keystream bytes into <paramref name="data"/>.</summary>
    public void Transform(Span<byte> data)
    {
        while (!data.IsEmpty)
        {
            if (_keystreamStart == _keystreamEnd)
            {
                Refill(data.Length);
            }
            var count = Math.Min(_keystreamEnd - _keystreamStart, data.Length);
            ByteXor.XorInPlace(data[..count], _keystream.AsSpan(_keystreamStart, count));
            _keystreamStart += count;
            data = data[count..];
        }
    }

    public void Dispose()
    {
        _ecb.Dispose();
        _aes.Dispose();
        _counterHigh = 0;
        _counterLow = 0;
        CryptographicOperations.ZeroMemory(_keystream);
    }

    // Generates only as many blocks as the caller still needs (up to one chunk), so small packets do not
    // pay for a whole chunk of AES.
    private void Refill(int wanted)
    {
        var blocks = Math.Min((wanted + AesBlock - 1) / AesBlock, ChunkBytes / AesBlock);
        var bytes = blocks * AesBlock;
        var counterBlocks = _counterBlocks.AsSpan(0, bytes);
        for (var offset = 0; offset < bytes; offset += AesBlock)
        {
            BinaryPrimitives.WriteUInt64BigEndian(counterBlocks[offset..], _counterHigh);
            BinaryPrimitives.WriteUInt64BigEndian(counterBlocks[(offset + 8)..], _counterLow);
            // The whole 128-bit block is the counter (RFC 4344 §4): the carry runs into the high half.
            if (++_counterLow == 0)
            {
                _counterHigh++;
            }
        }
        _ecb.TransformBlock(_counterBlocks, 0, bytes, _keystream, 0);
        _keystreamStart = 0;
        _keystreamEnd = bytes;
    }
}
