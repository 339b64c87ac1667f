using System.Security.Cryptography;
using Bastion.Core.Audit.Export;

namespace Bastion.Core.Tests.Audit.Export;

public sealed class GelfChunkerTests
{
    [Fact]
    public void A_message_that_fits_is_sent_as_is()
    {
        var message = new byte[1000];
        var datagram = Assert.Single(new GelfChunker(1000).Split(message));
        Assert.Equal(1000, datagram.Length);
    }

    [Theory]
    [InlineData(1001, 1000)]
    [InlineData(50_000, 1420)]
    [InlineData(128 * (512 - 12), 512)]
    public void Chunks_carry_the_gelf_header_and_reassemble(int size, int maxDatagram)
    {
        var message = RandomNumberGenerator.GetBytes(size);
        var chunks = new GelfChunker(maxDatagram).Split(message);

        Assert.Equal((size + maxDatagram - 13) / (maxDatagram - 12), chunks.Count);
        Assert.InRange(chunks.Count, 2, 128);
        Assert.All(chunks, c => Assert.InRange(c.Length, 13, maxDatagram));
        Assert.Equal(message, GelfReassembly.Reassemble(chunks.Select(c => c.ToArray()).Reverse()));
    }

    [Fact]
    public void Messages_needing_more_than_128_chunks_are_refused()
    {
        var chunker = new GelfChunker(512);
        Assert.Throws<MessageTooLargeException>(() => chunker.Split(new byte[chunker.MaxMessageSize + 1]));
    }

    [Fact]
    public void Each_message_gets_its_own_id()
    {
        var chunker = new GelfChunker(256);
        var a = chunker.Split(new byte[600])[0].ToArray()[2..10];
        var b = chunker.Split(new byte[600])[0].ToArray()[2..10];
        Assert.NotEqual(a, b);
    }
}

/// <summary>GELF chunk reassembly as a receiver does it (validates every header field).</summary>
internal static class GelfReassembly
{
    public static byte[] Reassemble(IEnumerable<byte[]> datagrams)
    {
        var list = datagrams.ToList();
        if (list.Count == 1 && list[0][0] != 0x1e)
        {
            return list[0];
        }
        var id = list[0][2..10];
        var count = list[0][11];
        Assert.Equal(count, list.Count);
        Assert.InRange(count, 1, 128);
        var parts = new byte[count][];
        foreach (var d in list)
        {
            Assert.Equal(0x1e, d[0]);
            Assert.Equal(0x0f, d[1]);
            Assert.Equal(id, d[2..10]);
            Assert.Equal(count, d[11]);
            Assert.Null(parts[d[10]]);
            parts[d[10]] = d[12..];
        }
        return parts.SelectMany(p => p).ToArray();
    }
}
