using System.Buffers.Binary;
using System.Numerics;
using System.Text;

namespace Bastion.Ssh.Wire;

/// <summary>
/// Reads RFC 4251 §5 data types from a span. Every read is bounds-checked: a length that runs past the end
/// throws <see cref="SshProtocolException"/> instead of allocating or reading out of range.
/// </summary>
public ref struct SshReader
{
    private readonly ReadOnlySpan<byte> _data;
    private int _position;

    public SshReader(ReadOnlySpan<byte> data)
    {
        _data = data;
        _position = 0;
    }

    public readonly int Remaining => _data.Length - _position;

    public readonly int Position => _position;

    public byte ReadByte()
    {
        Need(1);
        return _data[_position++];
    }

    public bool ReadBoolean() => ReadByte() != 0;

    public uint ReadUInt32()
    {
        Need(4);
        var value = BinaryPrimitives.ReadUInt32BigEndian(_data.Slice(_position, 4));
        _position += 4;
        return value;
    }

    public ulong ReadUInt64()
    {
        Need(8);
        var value = BinaryPrimitives.ReadUInt64BigEndian(_data.Slice(_position, 8));
        _position += 8;
        return value;
    }

    /// <summary>A length-prefixed byte string, as a view into the underlying buffer.</summary>
    public ReadOnlySpan<byte> ReadStringSpan()
    {
        var length = ReadUInt32();
        if (length > (uint)Remaining)
        {
            throw new SshProtocolException($"string length {length} exceeds the {Remaining} bytes left in the message");
        }
        var span = _data.Slice(_position, (int)length);
        _position += (int)length;
        return span;
    }

    public byte[] ReadBinary() => ReadStringSpan().ToArray();

    /// <summary>A UTF-8 string (user names, descriptions, request types). Invalid UTF-8 is a protocol error.</summary>
    public string ReadString()
    {
        var span = ReadStringSpan();
        try
        {
            return StrictUtf8.GetString(span);
        }
        catch (DecoderFallbackException)
        {
            throw new SshProtocolException("string is not valid UTF-8");
        }
    }

    /// <summary>A comma-separated list of US-ASCII names (RFC 4251 §5).</summary>
    public string[] ReadNameList()
    {
        var span = ReadStringSpan();
        if (span.Length == 0)
        {
            return [];
        }
        foreach (var b in span)
        {
            if (b < 0x21 || b > 0x7e)
            {
                throw new SshProtocolException("name-list contains a byte outside printable US-ASCII");
            }
        }
        return Encoding.ASCII.GetString(span).Split(',');
    }

    /// <summary>The raw two's-complement bytes of an mpint (including any leading zero byte).</summary>
    public ReadOnlySpan<byte> ReadMpintSpan() => ReadStringSpan();

    public BigInteger ReadMpint()
    {
        var span = ReadStringSpan();
        return span.Length == 0 ? BigInteger.Zero : new BigInteger(span, isUnsigned: false, isBigEndian: true);
    }

    public ReadOnlySpan<byte> ReadBytes(int count)
    {
        Need(count);
        var span = _data.Slice(_position, count);
        _position += count;
        return span;
    }

    public ReadOnlySpan<byte> ReadRemaining()
    {
        var span = _data[_position..];
        _position = _data.Length;
        return span;
    }

    /// <summary>Like OpenSSH's sshpkt_get_end: a message with bytes after its last field is malformed.</summary>
    public readonly void EnsureEnd()
    {
        if (_position != _data.Length)
        {
            throw new SshProtocolException($"{_data.Length - _position} unexpected bytes after the last field");
        }
    }

    private readonly void Need(int count)
    {
        if (count < 0 || count > Remaining)
        {
            throw new SshProtocolException($"message truncated: needed {count} bytes, {Remaining} left");
        }
    }

    private static readonly UTF8Encoding StrictUtf8 = new(encoderShouldEmitUTF8Identifier: false, throwOnInvalidBytes: true);
}
