using System.Buffers;
using System.Text;
using System.Text.Json;
using Bastion.Core.Recordings;

namespace Bastion.Core.Tests.Recordings;

public sealed class AsciicastEncoderTests
{
    [Fact]
    public void A_character_split_across_two_reads_is_written_whole_with_the_second()
    {
        var encoder = new AsciicastEncoder();
        var output = new ArrayBufferWriter<byte>();
        var bytes = Encoding.UTF8.GetBytes("é€");

        encoder.WriteData(output, TimeSpan.FromSeconds(1), AsciicastStream.Output, bytes.AsSpan(0, 1));
        Assert.Equal(0, output.WrittenCount);
        encoder.WriteData(output, TimeSpan.FromSeconds(2), AsciicastStream.Output, bytes.AsSpan(1));

        var line = Assert.Single(Lines(output));
        Assert.Equal(2m, line[0].GetDecimal());
        Assert.Equal("o", line[1].GetString());
        Assert.Equal("é€", line[2].GetString());
    }

    [Fact]
    public void Bytes_that_are_not_utf8_become_replacement_characters_and_control_bytes_stay_valid_json()
    {
        var encoder = new AsciicastEncoder();
        var output = new ArrayBufferWriter<byte>();

        encoder.WriteData(output, TimeSpan.FromMilliseconds(1), AsciicastStream.Input, [0x1b, (byte)'[', (byte)'A', 0xff, (byte)'"', (byte)'\\', 0x00]);

        var line = Assert.Single(Lines(output));
        Assert.Equal(0.001m, line[0].GetDecimal());
        Assert.Equal("i", line[1].GetString());
        Assert.Equal("\u001b[A\ufffd\"\\\0", line[2].GetString());
    }

    [Fact]
    public void Tiny_offsets_are_written_as_plain_decimals()
    {
        var output = new ArrayBufferWriter<byte>();
        AsciicastEncoder.WriteResize(output, TimeSpan.FromTicks(10), 120, 40);

        var text = Encoding.UTF8.GetString(output.WrittenSpan);
        Assert.Equal("[0.000001,\"r\",\"120x40\"]\n", text);
    }

    [Fact]
    public void The_header_names_size_start_time_term_and_title()
    {
        var output = new ArrayBufferWriter<byte>();
        var start = new DateTimeOffset(2030, 1, 1, 0, 0, 0, TimeSpan.Zero);

        AsciicastEncoder.WriteHeader(output, 132, 43, start, "xterm-256color", "alice on web-1");

        var header = JsonDocument.Parse(output.WrittenMemory).RootElement;
        Assert.Equal(2, header.GetProperty("version").GetInt32());
        Assert.Equal(132, header.GetProperty("width").GetInt32());
        Assert.Equal(43, header.GetProperty("height").GetInt32());
        Assert.Equal(start.ToUnixTimeSeconds(), header.GetProperty("timestamp").GetInt64());
        Assert.Equal("alice on web-1", header.GetProperty("title").GetString());
        Assert.Equal("xterm-256color", header.GetProperty("env").GetProperty("TERM").GetString());
        Assert.EndsWith("\n", Encoding.UTF8.GetString(output.WrittenSpan), StringComparison.Ordinal);
    }

    private static List<JsonElement> Lines(ArrayBufferWriter<byte> output) =>
        Encoding.UTF8.GetString(output.WrittenSpan).Split('\n', StringSplitOptions.RemoveEmptyEntries)
            .Select(l => JsonDocument.Parse(l).RootElement).ToList();
}
