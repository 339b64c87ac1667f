using Bastion.Gateway.Inventory.Dns;

namespace Bastion.Gateway.Tests.Inventory.Dns;

/// <summary>The framing check on its own: what reaches the parser, what is answered FORMERR, what is dropped.</summary>
public sealed class DnsMessageShapeTests
{
    // ID 0x1234, RD, one question web.dev. A IN, one additional OPT record (as dig sends).
    private static readonly byte[] QueryWithOpt =
    [
        0x12, 0x34, 0x01, 0x00, 0x00, 0x01, 0x00, 0x00, 0x00, 0x00, 0x00, 0x01,
        3, (byte)'w', (byte)'e', (byte)'b', 3, (byte)'d', (byte)'e', (byte)'v', 0, 0x00, 0x01, 0x00, 0x01,
        0, 0x00, 0x29, 0x04, 0xD0, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00,
    ];

    [Fact]
    public void Well_framed_query_is_parsed() => Assert.Equal(DnsMessageVerdict.Parse, DnsMessageShape.Check(QueryWithOpt));

    [Fact]
    public void Backward_compression_pointer_is_accepted()
    {
        // Additional record named by a pointer to the question name at offset 12.
        byte[] message = [.. QueryWithOpt[..25], 0xC0, 12, 0x00, 0x01, 0x00, 0x01, 0, 0, 0, 30, 0, 4, 127, 0, 0, 1];
        Assert.Equal(DnsMessageVerdict.Parse, DnsMessageShape.Check(message));
    }

    [Fact]
    public void Forward_compression_pointer_is_formerr()
    {
        byte[] message = [.. QueryWithOpt[..12], 0xC0, 14, 0, 0x00, 0x01, 0x00, 0x01];
        Assert.Equal(DnsMessageVerdict.FormatError, DnsMessageShape.Check(message));
    }

    [Fact]
    public void Record_data_longer_than_the_message_is_formerr()
    {
        var message = (byte[])QueryWithOpt.Clone();
        message[^1] = 0x10; // OPT RDLENGTH 16, no data follows
        Assert.Equal(DnsMessageVerdict.FormatError, DnsMessageShape.Check(message));
    }

    [Fact]
    public void Response_and_short_packets_are_dropped()
    {
        var response = (byte[])QueryWithOpt.Clone();
        response[2] |= 0x80;
        Assert.Equal(DnsMessageVerdict.Drop, DnsMessageShape.Check(response));
        Assert.Equal(DnsMessageVerdict.Drop, DnsMessageShape.Check(QueryWithOpt.AsSpan(0, 11)));
    }

    [Fact]
    public void Name_over_255_octets_is_formerr()
    {
        var name = new List<byte>();
        for (var i = 0; i < 5; i++)
        {
            name.Add(63);
            name.AddRange(new byte[63]);
        }
        byte[] message = [.. QueryWithOpt[..12], .. name, 0, 0x00, 0x01, 0x00, 0x01];
        message[11] = 0; // no additional records
        Assert.Equal(DnsMessageVerdict.FormatError, DnsMessageShape.Check(message));
    }

    [Fact]
    public void Formerr_reply_keeps_id_and_opcode()
    {
        byte[] query = [0xAB, 0xCD, 0x28, 0x00, 0, 0, 0, 0, 0, 0, 0, 0]; // opcode UPDATE (5)
        var reply = DnsMessageShape.FormatErrorReply(query);
        Assert.Equal([0xAB, 0xCD, 0xA8, 0x01, 0, 0, 0, 0, 0, 0, 0, 0], reply);
    }
}
