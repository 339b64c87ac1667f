using System.Buffers;
using System.Text;
using System.Text.Encodings.Web;
using System.Text.Json;

namespace Bastion.Core.Recordings;

/// <summary>
/// Writes an asciicast v2 document (a JSON header line, then one [seconds, kind, text] line per event) as bytes.
/// Terminal output is bytes but asciicast text is Unicode, so each stream keeps its own UTF-8 decoder: a character
/// split across two reads is written whole with the second read, and bytes that are not UTF-8 become U+FFFD.
/// </summary>
public sealed class AsciicastEncoder
{
    private static readonly JsonWriterOptions WriterOptions = new() { Encoder = JavaScriptEncoder.UnsafeRelaxedJsonEscaping };

    private readonly Decoder _output = new UTF8Encoding(false, false).GetDecoder();
    private readonly Decoder _input = new UTF8Encoding(false, false).GetDecoder();
    private char[] _chars = new char[4096];

    /// <summary>The header line: terminal size, start time (Unix seconds), TERM and a title.</summary>
    public static void WriteHeader(IBufferWriter<byte> destination, int columns, int rows, DateTimeOffset startedAt, string? term, string title)
    {
        using (var json = new Utf8JsonWriter(destination, WriterOptions))
        {
            json.WriteStartObject();
            json.WriteNumber("version", 2);
            json.WriteNumber("width", columns);
            json.WriteNumber("height", rows);
            json.WriteNumber("timestamp", startedAt.ToUnixTimeSeconds());
            json.WriteString("title", title);
            json.WriteStartObject("env");
            json.WriteString("TERM", term ?? "");
            json.WriteEndObject();
            json.WriteEndObject();
        }
        NewLine(destination);
    }

    /// <summary>An "o" (from the target) or "i" (typed by the user) event; nothing is written while only part of a character has arrived.</summary>
    public void WriteData(IBufferWriter<byte> destination, TimeSpan at, AsciicastStream stream, ReadOnlySpan<byte> data, bool flush = false)
    {
        var decoder = stream == AsciicastStream.Output ? _output : _input;
        // GetChars (not GetCharCount, which leaves the decoder's state alone) so a partial character is kept for the next read.
        var needed = data.Length + 4; // at most one char per byte, plus up to three bytes held from the previous read
        if (_chars.Length < needed)
        {
            _chars = new char[Math.Max(needed, _chars.Length * 2)];
        }
        var count = decoder.GetChars(data, _chars, flush);
        if (count == 0)
        {
            return;
        }
        WriteEvent(destination, at, stream == AsciicastStream.Output ? "o" : "i", _chars.AsSpan(0, count));
    }

    /// <summary>An "r" event: the user's terminal was resized.</summary>
    public static void WriteResize(IBufferWriter<byte> destination, TimeSpan at, int columns, int rows) =>
        WriteEvent(destination, at, "r", $"{columns}x{rows}");

    private static void WriteEvent(IBufferWriter<byte> destination, TimeSpan at, string kind, ReadOnlySpan<char> text)
    {
        using (var json = new Utf8JsonWriter(destination, WriterOptions))
        {
            json.WriteStartArray();
            // Microseconds as a decimal: a double would print tiny offsets as 1E-05, which some players reject.
            json.WriteNumberValue(decimal.Round((decimal)Math.Max(0, at.Ticks) / TimeSpan.TicksPerSecond, 6));
            json.WriteStringValue(kind);
            json.WriteStringValue(text);
            json.WriteEndArray();
        }
        NewLine(destination);
    }

    private static void NewLine(IBufferWriter<byte> destination)
    {
        destination.GetSpan(1)[0] = (byte)'\n';
        destination.Advance(1);
    }
}

/// <summary>Which side of the terminal an asciicast data event comes from.</summary>
public enum AsciicastStream
{
    Output,
    Input,
}
