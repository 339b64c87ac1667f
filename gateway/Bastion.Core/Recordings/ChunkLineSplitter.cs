using System.Buffers;

namespace Bastion.Core.Recordings;

/// <summary>
/// Cuts a recording's chunks back into its lines: a chunk ends wherever the recorder flushed, so a line may begin in
/// one chunk and end in the next. Whole lines only are handed out; a line longer than the bound is an error, not memory.
/// </summary>
public sealed class ChunkLineSplitter
{
    public const int MaxLineBytes = 16 * 1024 * 1024;

    private readonly ArrayBufferWriter<byte> _partial = new();

    /// <summary>The lines <paramref name="chunk"/> completes, without their "\n".</summary>
    public List<ReadOnlyMemory<byte>> Feed(ReadOnlyMemory<byte> chunk)
    {
        var lines = new List<ReadOnlyMemory<byte>>();
        while (!chunk.IsEmpty)
        {
            var newline = chunk.Span.IndexOf((byte)'\n');
            var part = newline < 0 ? chunk : chunk[..newline];
            if (_partial.WrittenCount + part.Length > MaxLineBytes)
            {
                throw new InvalidDataException($"the recording has a line longer than {MaxLineBytes} bytes; it is not an asciicast v2 document");
            }
            _partial.Write(part.Span);
            if (newline < 0)
            {
                break;
            }
            lines.Add(_partial.WrittenMemory.ToArray());
            _partial.Clear();
            chunk = chunk[(newline + 1)..];
        }
        return lines;
    }

    /// <summary>The last line, if the document did not end with "\n".</summary>
    public ReadOnlyMemory<byte>? Rest() => _partial.WrittenCount == 0 ? null : _partial.WrittenMemory.ToArray();
}
