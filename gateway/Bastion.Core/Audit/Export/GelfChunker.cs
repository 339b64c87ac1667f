using System.Security.Cryptography;

namespace Bastion.Core.Audit.Export;

/// <summary>
/// GELF UDP chunking: a message longer than one datagram is sent as up to 128 chunks, each starting with the magic
/// bytes 0x1e 0x0f, an 8-byte message id shared by all chunks, the chunk's sequence number (0-based) and the chunk
/// count, then a slice of the message. Graylog reassembles them by id.
/// </summary>
public sealed class GelfChunker
{
    public const int HeaderSize = 12;
    public const int MaxChunks = 128;
    public const int MinChunkSize = 256;

    /// <summary>The largest UDP payload over IPv4.</summary>
    public const int MaxDatagramSize = 65_507;

    private readonly int _maxDatagram;

    /// <param name="maxDatagram">Largest datagram, header included.</param>
    public GelfChunker(int maxDatagram)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(maxDatagram, MinChunkSize);
        ArgumentOutOfRangeException.ThrowIfGreaterThan(maxDatagram, MaxDatagramSize);
        _maxDatagram = maxDatagram;
    }

    /// <summary>Largest message that can be sent at all (128 full chunks).</summary>
    public int MaxMessageSize => MaxChunks * (_maxDatagram - HeaderSize);

    /// <summary>
    /// The datagrams for <paramref name="message"/>: the message itself if it fits one datagram, else its chunks.
    /// Throws <see cref="MessageTooLargeException"/> above <see cref="MaxMessageSize"/>.
    /// </summary>
    public IReadOnlyList<ReadOnlyMemory<byte>> Split(ReadOnlyMemory<byte> message)
    {
        if (message.Length <= _maxDatagram)
        {
            return [message];
        }
        var sliceSize = _maxDatagram - HeaderSize;
        var count = (message.Length + sliceSize - 1) / sliceSize;
        if (count > MaxChunks)
        {
            throw new MessageTooLargeException(
                $"GELF message of {message.Length} bytes needs {count} chunks of {_maxDatagram} bytes; GELF allows {MaxChunks} (raise MaxChunkSize or use TCP)");
        }
        Span<byte> id = stackalloc byte[8];
        RandomNumberGenerator.Fill(id);
        var chunks = new ReadOnlyMemory<byte>[count];
        for (var i = 0; i < count; i++)
        {
            var slice = message.Slice(i * sliceSize, Math.Min(sliceSize, message.Length - i * sliceSize));
            var chunk = new byte[HeaderSize + slice.Length];
            chunk[0] = 0x1e;
            chunk[1] = 0x0f;
            id.CopyTo(chunk.AsSpan(2, 8));
            chunk[10] = (byte)i;
            chunk[11] = (byte)count;
            slice.Span.CopyTo(chunk.AsSpan(HeaderSize));
            chunks[i] = chunk;
        }
        return chunks;
    }
}

/// <summary>A message no transport setting can carry; it is counted as failed and not retried.</summary>
public sealed class MessageTooLargeException(string message) : Exception(message);
