using System.Buffers.Binary;
using System.Security.Cryptography;

namespace Bastion.Ssh.Algorithms.Macs;

/// <summary>
/// HMAC over uint32 sequence_number || data with one reusable keyed hash instance, so computing a packet's
/// MAC allocates nothing.
/// </summary>
internal sealed class HmacPacketMac : IPacketMac
{
    private readonly IncrementalHash _hmac;
    private readonly byte[] _sequence = new byte[4];
    private readonly byte[] _computed;

    public HmacPacketMac(HashAlgorithmName hash, ReadOnlySpan<byte> key, int digestLength)
    {
        _hmac = IncrementalHash.CreateHMAC(hash, key);
        _computed = new byte[digestLength];
        DigestLength = digestLength;
    }

    public int DigestLength { get; }

    public void Compute(uint sequenceNumber, ReadOnlySpan<byte> data, Span<byte> digest)
    {
        BinaryPrimitives.WriteUInt32BigEndian(_sequence, sequenceNumber);
        _hmac.AppendData(_sequence);
        _hmac.AppendData(data);
        _hmac.GetHashAndReset(digest);
    }

    public bool Verify(uint sequenceNumber, ReadOnlySpan<byte> data, ReadOnlySpan<byte> expected)
    {
        Compute(sequenceNumber, data, _computed);
        // FixedTimeEquals returns false for different lengths without comparing contents.
        return CryptographicOperations.FixedTimeEquals(_computed, expected);
    }

    public void Dispose()
    {
        _hmac.Dispose();
        CryptographicOperations.ZeroMemory(_computed);
    }
}
