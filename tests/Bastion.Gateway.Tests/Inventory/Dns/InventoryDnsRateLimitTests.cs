using System.Buffers.Binary;
using System.Collections.Concurrent;
using System.Net;
using System.Net.Sockets;
using System.Text;
using ARSoft.Tools.Net.Dns;
using Bastion.Gateway.Inventory.Dns;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Time.Testing;

namespace Bastion.Gateway.Tests.Inventory.Dns;

/// <summary>
/// The per-source response limit of the running responder, from two loopback sources (127.0.0.1 and 127.0.0.2). Its
/// clock is a fake one that only the test moves, so no token comes back while a test runs unless the test says so.
/// </summary>
public sealed class InventoryDnsRateLimitTests : IAsyncLifetime
{
    private const int Burst = 5;
    private static readonly TimeSpan ReplyTimeout = TimeSpan.FromSeconds(3);
    private static readonly TimeSpan Silence = TimeSpan.FromMilliseconds(500);

    private readonly FakeTimeProvider _time = new(new DateTimeOffset(2026, 3, 1, 9, 0, 0, TimeSpan.Zero));
    private readonly ConcurrentQueue<string> _dropped = new();
    private readonly WarningLog _log = new();
    private RunningDnsServer _dns = null!;

    public async Task InitializeAsync() => _dns = await RunningDnsServer.StartAsync(DnsTestInventory.Create(), o =>
    {
        o.ResponsesPerSecond = 1;
        o.ResponseBurst = Burst;
    }, _time, _dropped.Enqueue, _log);

    public async Task DisposeAsync() => await _dns.DisposeAsync();

    private IPEndPoint Server => new(IPAddress.Loopback, _dns.Port);

    [Fact]
    public async Task A_udp_burst_from_one_source_is_answered_up_to_the_limit_while_another_source_still_is()
    {
        using var first = Bound("127.0.0.1");
        using var second = Bound("127.0.0.2");

        for (ushort id = 1; id <= Burst + 3; id++)
        {
            await first.SendAsync(Query(id, "web-1.dev.example"), Server);
        }
        var answered = await ReceiveAsync(first, Burst);
        await DroppedAsync(3);

        Assert.Equal([1, 2, 3, 4, 5], answered.Select(r => (int)r.TransactionID).Order());
        Assert.All(answered, r => Assert.Equal("127.0.10.5", ((ARecord)Assert.Single(r.AnswerRecords)).Address.ToString()));
        Assert.Equal(["udp", "udp", "udp"], _dropped.ToArray());

        // Another source has a bucket of its own.
        await second.SendAsync(Query(100, "web-1.dev.example"), Server);
        var other = Assert.Single(await ReceiveAsync(second, 1));
        Assert.Equal(((ushort)100, ReturnCode.NoError), (other.TransactionID, other.ReturnCode));

        // The first is still limited until a token comes back: one a second.
        await first.SendAsync(Query(9, "web-1.dev.example"), Server);
        await DroppedAsync(4);
        Assert.Empty(await ReceiveAsync(first, 0));
        _time.Advance(TimeSpan.FromSeconds(1));
        await first.SendAsync(Query(10, "web-1.dev.example"), Server);
        Assert.Equal([10], (await ReceiveAsync(first, 1)).Select(r => (int)r.TransactionID));
    }

    [Fact]
    public async Task Tcp_has_a_limit_of_its_own_and_beyond_it_the_connection_is_closed_unanswered()
    {
        // Spend the UDP burst of 127.0.0.1 first: forged UDP sources must not use up what TCP clients need.
        using (var udp = Bound("127.0.0.1"))
        {
            for (ushort id = 1; id <= Burst + 1; id++)
            {
                await udp.SendAsync(Query(id, "web-1.dev.example"), Server);
            }
            Assert.Equal(Burst, (await ReceiveAsync(udp, Burst)).Count);
            await DroppedAsync(1);
        }

        using var tcp = new TcpClient(new IPEndPoint(IPAddress.Loopback, 0));
        await tcp.ConnectAsync(Server);
        var stream = tcp.GetStream();
        for (ushort id = 1; id <= Burst; id++)
        {
            await WriteFrameAsync(stream, Query(id, "web-1.dev.example"));
            var reply = DnsMessage.Parse(await ReadFrameAsync(stream) ?? throw new InvalidOperationException($"TCP query {id} was not answered"));
            Assert.Equal((id, ReturnCode.NoError), (reply.TransactionID, reply.ReturnCode));
        }

        await WriteFrameAsync(stream, Query(6, "web-1.dev.example"));
        Assert.Null(await ReadFrameAsync(stream)); // end of stream, no reply
        Assert.Equal(["udp", "tcp"], _dropped.ToArray());

        // Closing the connection under ARSoft's feet is not a listener error, and the listener still answers.
        Assert.Equal(["127.0.10.5"], await Dig.ShortAsync(_dns.Port, "+tcp", "-b", "127.0.0.2", "web-1.dev.example", "A"));
        Assert.Empty(_log.Warnings);
    }

    /// <summary>Keeps what the server logs at warning and above.</summary>
    private sealed class WarningLog : ILogger<InventoryDnsServer>
    {
        public ConcurrentQueue<string> Warnings { get; } = new();

        public IDisposable? BeginScope<TState>(TState state)
            where TState : notnull => null;

        public bool IsEnabled(LogLevel logLevel) => true;

        public void Log<TState>(LogLevel logLevel, EventId eventId, TState state, Exception? exception, Func<TState, Exception?, string> formatter)
        {
            if (logLevel >= LogLevel.Warning)
            {
                Warnings.Enqueue(formatter(state, exception) + (exception is null ? "" : ": " + exception));
            }
        }
    }

    private static UdpClient Bound(string address) => new(new IPEndPoint(IPAddress.Parse(address), 0));

    /// <summary>A plain recursive-desired query for NAME IN A.</summary>
    private static byte[] Query(ushort id, string name)
    {
        var bytes = new List<byte> { (byte)(id >> 8), (byte)id, 0x01, 0x00, 0, 1, 0, 0, 0, 0, 0, 0 };
        foreach (var label in name.Split('.'))
        {
            bytes.Add((byte)label.Length);
            bytes.AddRange(Encoding.ASCII.GetBytes(label));
        }
        bytes.AddRange([0, 0, 1, 0, 1]);
        return bytes.ToArray();
    }

    /// <summary>
    /// <paramref name="expected"/> replies, each within <see cref="ReplyTimeout"/> (a loaded machine answers a fresh
    /// server's first query slowly), then any more that arrive before <see cref="Silence"/> passes without one.
    /// </summary>
    private static async Task<List<DnsMessage>> ReceiveAsync(UdpClient udp, int expected)
    {
        var replies = new List<DnsMessage>();
        while (true)
        {
            using var wait = new CancellationTokenSource(replies.Count < expected ? ReplyTimeout : Silence);
            try
            {
                var received = await udp.ReceiveAsync(wait.Token);
                replies.Add(DnsMessage.Parse(received.Buffer));
            }
            catch (OperationCanceledException)
            {
                return replies;
            }
        }
    }

    /// <summary>Waits until the server has counted <paramref name="count"/> dropped queries (it counts as it drops).</summary>
    private async Task DroppedAsync(int count)
    {
        var deadline = DateTime.UtcNow + ReplyTimeout;
        while (_dropped.Count < count && DateTime.UtcNow < deadline)
        {
            await Task.Delay(20);
        }
        Assert.True(_dropped.Count >= count, $"{_dropped.Count} queries dropped, expected {count}");
    }

    private static async Task WriteFrameAsync(NetworkStream stream, byte[] message)
    {
        var frame = new byte[2 + message.Length];
        BinaryPrimitives.WriteUInt16BigEndian(frame, (ushort)message.Length);
        message.CopyTo(frame, 2);
        await stream.WriteAsync(frame);
    }

    /// <summary>The next length-prefixed message, or null when the server closed the connection.</summary>
    private static async Task<byte[]?> ReadFrameAsync(NetworkStream stream)
    {
        using var timeout = new CancellationTokenSource(ReplyTimeout);
        var length = new byte[2];
        try
        {
            await stream.ReadExactlyAsync(length, timeout.Token);
        }
        catch (EndOfStreamException)
        {
            return null;
        }
        catch (IOException)
        {
            return null; // reset rather than closed: unanswered all the same
        }
        var message = new byte[BinaryPrimitives.ReadUInt16BigEndian(length)];
        await stream.ReadExactlyAsync(message, timeout.Token);
        return message;
    }
}
