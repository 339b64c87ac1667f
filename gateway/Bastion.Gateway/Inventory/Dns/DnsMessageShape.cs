using System.Buffers.Binary;

namespace Bastion.Gateway.Inventory.Dns;

/// <summary>What to do with an incoming packet before the DNS library parses it.</summary>
internal enum DnsMessageVerdict
{
    /// <summary>Well framed: hand it to the parser.</summary>
    Parse,

    /// <summary>A header we can answer, but the rest does not hold together: reply FORMERR with its ID.</summary>
    FormatError,

    /// <summary>Too short to carry an ID, or a response rather than a query: send nothing back.</summary>
    Drop,
}

/// <summary>
/// A bounds-checked walk over a DNS message's framing (header, names, record lengths), without building anything.
/// It exists because ARSoft.Tools.Net turns every malformed packet into an exception, whose cost (a few
/// milliseconds each with stack-trace text) let a burst of garbage stall the responder for seconds; checking the
/// framing first makes junk cheap to refuse. It also sees the true datagram length, which ARSoft's UDP listener
/// does not pass to its parser (it parses the zero-padded receive buffer).
/// </summary>
internal static class DnsMessageShape
{
    public const int HeaderLength = 12;

    // RFC 1035: a name is at most 255 octets on the wire; 127 labels is the most that fit.
    private const int MaxNameLength = 255;
    private const int MaxLabels = 127;

    public static DnsMessageVerdict Check(ReadOnlySpan<byte> message)
    {
        if (message.Length < HeaderLength || (message[2] & 0x80) != 0)
        {
            // Answering a response could start a loop between two servers; a stub without an ID is noise.
            return DnsMessageVerdict.Drop;
        }
        var questions = BinaryPrimitives.ReadUInt16BigEndian(message[4..]);
        var records = BinaryPrimitives.ReadUInt16BigEndian(message[6..])
            + BinaryPrimitives.ReadUInt16BigEndian(message[8..])
            + BinaryPrimitives.ReadUInt16BigEndian(message[10..]);
        var offset = HeaderLength;
        for (var i = 0; i < questions; i++)
        {
            if (!TrySkipName(message, ref offset) || !TrySkip(message, ref offset, 4)) // type, class
            {
                return DnsMessageVerdict.FormatError;
            }
        }
        for (var i = 0; i < records; i++)
        {
            if (!TrySkipName(message, ref offset) || !TrySkip(message, ref offset, 8)) // type, class, TTL
            {
                return DnsMessageVerdict.FormatError;
            }
            if (!TryReadUShort(message, ref offset, out var dataLength) || !TrySkip(message, ref offset, dataLength))
            {
                return DnsMessageVerdict.FormatError;
            }
        }
        // Like OpenSSH's sshpkt_get_end: bytes after the last declared field mean the counts are lying.
        return offset == message.Length ? DnsMessageVerdict.Parse : DnsMessageVerdict.FormatError;
    }

    /// <summary>A FORMERR reply to <paramref name="query"/>: its ID and opcode, QR set, no sections.</summary>
    public static byte[] FormatErrorReply(ReadOnlySpan<byte> query)
    {
        var reply = new byte[HeaderLength];
        query[..2].CopyTo(reply); // ID
        reply[2] = (byte)(0x80 | (query[2] & 0x78)); // QR, opcode
        reply[3] = 1; // RCODE FORMERR
        return reply;
    }

    /// <summary>
    /// Steps over a (possibly compressed) name starting at <paramref name="offset"/>. Compression pointers must point
    /// strictly backwards, which rules out loops; label types other than plain labels and pointers are refused.
    /// </summary>
    private static bool TrySkipName(ReadOnlySpan<byte> message, ref int offset)
    {
        var position = offset;
        var end = -1; // where the name ends in the message, once a pointer has been followed
        var length = 1;
        for (var labels = 0; labels <= MaxLabels; labels++)
        {
            if (position >= message.Length)
            {
                return false;
            }
            var b = message[position];
            if (b == 0)
            {
                offset = end >= 0 ? end : position + 1;
                return true;
            }
            switch (b & 0xC0)
            {
                case 0xC0:
                    if (position + 1 >= message.Length)
                    {
                        return false;
                    }
                    var target = ((b & 0x3F) << 8) | message[position + 1];
                    if (target >= position || target < HeaderLength)
                    {
                        return false;
                    }
                    if (end < 0)
                    {
                        end = position + 2;
                    }
                    position = target;
                    break;
                case 0x00:
                    length += b + 1;
                    if (length > MaxNameLength || position + 1 + b > message.Length)
                    {
                        return false;
                    }
                    position += 1 + b;
                    break;
                default:
                    return false; // extended (0x40) and reserved (0x80) label types
            }
        }
        return false;
    }

    private static bool TrySkip(ReadOnlySpan<byte> message, ref int offset, int count)
    {
        if (count > message.Length - offset)
        {
            return false;
        }
        offset += count;
        return true;
    }

    private static bool TryReadUShort(ReadOnlySpan<byte> message, ref int offset, out int value)
    {
        value = 0;
        if (message.Length - offset < 2)
        {
            return false;
        }
        value = BinaryPrimitives.ReadUInt16BigEndian(message[offset..]);
        offset += 2;
        return true;
    }
}
