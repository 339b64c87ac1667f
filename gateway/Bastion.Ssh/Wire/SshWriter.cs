using System.Buffers;
using System.Buffers.Binary;
using System.Numerics;
using System.Text;

namespace Bastion.Ssh.Wire;

/// <summary>
/// Writes RFC 4251 §5 data types into a growable buffer. The buffer comes from <see cref="ArrayPool{T}"/>;
/// call <see cref="Dispose"/> to return it. <see cref="WrittenSpan"/> is valid until then.
/// </summary>
public sealed class SshWriter : IDisposable
{
    private byte[] _buffer;
    private int _length;

    public SshWriter(int initialCapacity = 256)
    {
        _buffer = ArrayPool<byte>.Shared.Rent(Math.Max(16, initialCapacity));
    }

    public int Length => _length;

    public ReadOnlySpan<byte> WrittenSpan => _buffer.AsSpan(0, _length);

    public ReadOnlyMemory<byte> WrittenMemory => _buffer.AsMemory(0, _length);

    public byte[] ToArray() => WrittenSpan.ToArray();

    public void Clear() => _length = 0;

    public void WriteByte(byte value) => Take(1)[0] = value;

    public void WriteBoolean(bool value) => WriteByte(value ? (byte)1 : (byte)0);

    public void WriteUInt32(uint value) => BinaryPrimitives.WriteUInt32BigEndian(Take(4), value);

    public void WriteUInt64(ulong value) => BinaryPrimitives.WriteUInt64BigEndian(Take(8), value);

    public void WriteBytes(ReadOnlySpan<byte> value) => value.CopyTo(Take(value.Length));

    public void WriteString(ReadOnlySpan<byte> value)
    {
        WriteUInt32((uint)value.Length);
        WriteBytes(value);
    }

    public void WriteString(string value)
    {
        var count = Encoding.UTF8.GetByteCount(value);
        WriteUInt32((uint)count);
        Encoding.UTF8.GetBytes(value, Take(count));
    }

    public void WriteNameList(IEnumerable<string> names) => WriteString(string.Join(',', names));

    public void WriteMpint(BigInteger value)
    {
        var count = value.IsZero ? 0 : value.GetByteCount(isUnsigned: false);
        WriteUInt32((uint)count);
        if (count > 0)
        {
            value.TryWriteBytes(Take(count), out _, isUnsigned: false, isBigEndian: true);
        }
    }

    /// <summary>Writes an unsigned big-endian magnitude (e.g. an X25519 shared secret) as an mpint.</summary>
    public void WriteMpintFromUnsigned(ReadOnlySpan<byte> magnitude)
    {
        var start = 0;
        while (start < magnitude.Length && magnitude[start] == 0)
        {
            start++;
        }
        var trimmed = magnitude[start..];
        var pad = trimmed.Length > 0 && (trimmed[0] & 0x80) != 0 ? 1 : 0;
        WriteUInt32((uint)(trimmed.Length + pad));
        if (pad == 1)
        {
            WriteByte(0);
        }
        WriteBytes(trimmed);
    }

    /// <summary>Reserves <paramref name="count"/> bytes and returns them for the caller to fill.</summary>
    public Span<byte> Take(int count)
    {
        if (_length + count > _buffer.Length)
        {
            Grow(_length + count);
        }
        var span = _buffer.AsSpan(_length, count);
        _length += count;
        return span;
    }

    public void Dispose()
    {
        var buffer = _buffer;
        _buffer = [];
        _length = 0;
        if (buffer.Length > 0)
        {
            ArrayPool<byte>.Shared.Return(buffer, clearArray: true);
        }
    }

    private void Grow(int needed)
    {
        var next = ArrayPool<byte>.Shared.Rent(Math.Max(needed, _buffer.Length * 2));
        _buffer.AsSpan(0, _length).CopyTo(next);
        ArrayPool<byte>.Shared.Return(_buffer, clearArray: true);
        _buffer = next;
    }
}
