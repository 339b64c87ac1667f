using System.Buffers.Binary;
using System.Net;
using System.Net.Sockets;
using ARSoft.Tools.Net;
using ARSoft.Tools.Net.Dns;
using ARSoft.Tools.Net.Dns.DynamicUpdate;

namespace Bastion.Gateway.Tests.Inventory.Dns;

/// <summary>
/// Hostile or broken input: raw datagrams and TCP frames that are not DNS, queries the responder does not serve,
/// each followed by a normal query (ARSoft's own client) to show the listener is still answering.
/// </summary>
public sealed class InventoryDnsMalformedInputTests : IAsyncLifetime
{
    private static readonly TimeSpan ReplyTimeout = TimeSpan.FromSeconds(3);

    private RunningDnsServer _dns = null!;

    public async Task InitializeAsync() => _dns = await RunningDnsServer.StartAsync(DnsTestInventory.Create());

    public async Task DisposeAsync() => await _dns.DisposeAsync();

    public static TheoryData<string, byte[], bool> BrokenDatagrams() => new()
    {
        // what, datagram, whether a FORMERR reply is expected (false: dropped silently)
        { "empty", [], false },
        { "one byte", [0x12], false },
        { "header cut short", [0x12, 0x34, 0x01, 0x00, 0x00], false },
        { "one question announced, none sent", Header(0x1234, flags: 0x0100, questions: 1), true },
        { "label runs past the end", [.. Header(0x1234, 0x0100, 1), 63, (byte)'a', (byte)'b'], true },
        { "compression pointer to itself", [.. Header(0x1234, 0x0100, 1), 0xC0, 12, 0x00, 0x01, 0x00, 0x01], true },
        { "65535 questions announced, one sent", [.. Header(0x1234, 0x0100, 0xFFFF), .. QuestionBytes("web-1.dev.example")], true },
        { "question without type and class", [.. Header(0x1234, 0x0100, 1), 3, (byte)'w', (byte)'e', (byte)'b', 0], true },
        { "trailing bytes after the question", [.. Header(0x1234, 0x0100, 1), .. QuestionBytes("web-1.dev.example"), 0xFF], true },
        { "extended label type", [.. Header(0x1234, 0x0100, 1), 0x41, 0x00, 0x00, 0x01, 0x00, 0x01], true },
    };

    [Theory]
    [MemberData(nameof(BrokenDatagrams))]
    public async Task Broken_datagram_is_dropped_or_formerr_and_next_query_is_answered(string what, byte[] datagram, bool formErr)
    {
        using var udp = new UdpClient(AddressFamily.InterNetwork);
        await udp.SendAsync(datagram, new IPEndPoint(IPAddress.Loopback, _dns.Port));
        var reply = await TryReceiveAsync(udp, formErr ? ReplyTimeout : TimeSpan.FromMilliseconds(300));
        if (formErr)
        {
            Assert.True(reply is not null, $"{what}: expected a FORMERR reply, got none");
            Assert.Equal(0x1234, BinaryPrimitives.ReadUInt16BigEndian(reply));
            Assert.True((reply[2] & 0x80) != 0, $"{what}: QR must be set in the reply");
            Assert.Equal((int)ReturnCode.FormatError, reply[3] & 0x0F);
        }
        else
        {
            Assert.True(reply is null, $"{what}: expected no reply, got {(reply is null ? "" : Convert.ToHexString(reply))}");
        }

        await AssertStillAnsweringAsync();
    }

    [Fact]
    public async Task Random_garbage_does_not_stop_or_stall_the_listener()
    {
        // ARSoft's own UDP listener threw on each junk datagram inside its single receive loop, so a burst like this
        // held up real queries; the framing check refuses junk cheaply.
        var random = new Random(20240601); // fixed seed: the same bytes every run
        using var udp = new UdpClient(AddressFamily.InterNetwork);
        var target = new IPEndPoint(IPAddress.Loopback, _dns.Port);
        for (var i = 0; i < 200; i++)
        {
            var datagram = new byte[random.Next(0, 600)];
            random.NextBytes(datagram);
            await udp.SendAsync(datagram, target);
        }

        // The burst can overflow the socket's receive queue, and the kernel then drops whatever comes next, as it
        // would for any UDP server; so ask the way a resolver does, retrying on a short timeout, within a bound.
        var stopwatch = System.Diagnostics.Stopwatch.StartNew();
        DnsMessage? response = null;
        for (var attempt = 0; attempt < 10 && response is null; attempt++)
        {
            response = await Client(TimeSpan.FromMilliseconds(500)).ResolveAsync(DomainName.Parse("web-1.dev-a.dev.example"), RecordType.A);
        }
        Assert.True(response is not null, $"no answer within {stopwatch.Elapsed} after the garbage");
        Assert.Equal(ReturnCode.NoError, response.ReturnCode);
        Assert.Single(response.AnswerRecords);
        await AssertStillAnsweringAsync();
    }

    [Fact]
    public async Task Broken_tcp_frame_does_not_stop_the_listener()
    {
        using (var tcp = new TcpClient(AddressFamily.InterNetwork))
        {
            await tcp.ConnectAsync(IPAddress.Loopback, _dns.Port);
            var stream = tcp.GetStream();
            await stream.WriteAsync(new byte[] { 0x00, 0x05, 0xDE, 0xAD, 0xBE, 0xEF, 0x00 });
            await stream.WriteAsync(new byte[] { 0xFF, 0xFF, 0x01 }); // announces 65535 bytes, sends one, then hangs up
        }

        Assert.Equal(["127.0.10.5"], await Dig.ShortAsync(_dns.Port, "+tcp", "web-1.dev.example", "A"));
        await AssertStillAnsweringAsync();
    }

    [Fact]
    public async Task Query_without_a_question_is_formerr()
    {
        var reply = await ExchangeAsync(Header(0xBEEF, flags: 0x0100, questions: 0));
        Assert.Equal(0xBEEF, BinaryPrimitives.ReadUInt16BigEndian(reply));
        Assert.True((reply[2] & 0x80) != 0, "QR must be set in the reply");
        Assert.Equal((int)ReturnCode.FormatError, reply[3] & 0x0F);
    }

    [Fact]
    public async Task Stray_response_is_dropped_not_answered()
    {
        using var udp = new UdpClient(AddressFamily.InterNetwork);
        byte[] response = [.. Header(0xCAFE, flags: 0x8100, questions: 1), .. QuestionBytes("web-1.dev.example")];
        await udp.SendAsync(response, new IPEndPoint(IPAddress.Loopback, _dns.Port));

        Assert.Null(await TryReceiveAsync(udp, TimeSpan.FromMilliseconds(300)));
        await AssertStillAnsweringAsync();
    }

    [Fact]
    public async Task Dynamic_update_is_not_implemented()
    {
        var update = new DnsUpdateMessage { ZoneName = DomainName.Parse(DnsTestInventory.Zone) };
        update.Updates.Add(new AddRecordUpdate(new ARecord(DomainName.Parse("evil.dev.example"), 60, IPAddress.Parse("127.0.10.66"))));

        var response = await Client().SendUpdateAsync(update);

        Assert.NotNull(response);
        Assert.Equal(ReturnCode.NotImplemented, response.ReturnCode);
        Assert.Equal("NXDOMAIN", Dig.Status(await Dig.RunAsync(_dns.Port, "evil.dev.example", "A")));
    }

    private async Task AssertStillAnsweringAsync()
    {
        var response = await Client().ResolveAsync(DomainName.Parse("web-1.dev-a.dev.example"), RecordType.A);
        Assert.NotNull(response);
        Assert.Equal(ReturnCode.NoError, response.ReturnCode);
        var addresses = new List<string>();
        foreach (var record in response.AnswerRecords)
        {
            addresses.Add(((ARecord)record).Address.ToString());
        }
        Assert.Equal(["127.0.10.5"], addresses);
    }

    private DnsClient Client(TimeSpan? timeout = null) =>
        new([IPAddress.Loopback], [new UdpClientTransport(_dns.Port)], false, (int)(timeout ?? ReplyTimeout).TotalMilliseconds);

    private async Task<byte[]> ExchangeAsync(byte[] datagram)
    {
        using var udp = new UdpClient(AddressFamily.InterNetwork);
        await udp.SendAsync(datagram, new IPEndPoint(IPAddress.Loopback, _dns.Port));
        return await TryReceiveAsync(udp, ReplyTimeout) ?? throw new TimeoutException($"no reply from the responder within {ReplyTimeout}");
    }

    private static async Task<byte[]?> TryReceiveAsync(UdpClient udp, TimeSpan timeout)
    {
        using var cancel = new CancellationTokenSource(timeout);
        try
        {
            return (await udp.ReceiveAsync(cancel.Token)).Buffer;
        }
        catch (OperationCanceledException)
        {
            return null;
        }
    }

    private static byte[] Header(ushort id, ushort flags, ushort questions)
    {
        var header = new byte[12];
        BinaryPrimitives.WriteUInt16BigEndian(header, id);
        BinaryPrimitives.WriteUInt16BigEndian(header.AsSpan(2), flags);
        BinaryPrimitives.WriteUInt16BigEndian(header.AsSpan(4), questions);
        return header;
    }

    /// <summary>QNAME in wire form, then type A, class IN.</summary>
    private static byte[] QuestionBytes(string name)
    {
        var bytes = new List<byte>();
        foreach (var label in name.Split('.'))
        {
            bytes.Add((byte)label.Length);
            foreach (var c in label)
            {
                bytes.Add((byte)c);
            }
        }
        bytes.AddRange([0, 0, 1, 0, 1]);
        return [.. bytes];
    }
}
