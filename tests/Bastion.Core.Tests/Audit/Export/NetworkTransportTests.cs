using System.Net;
using System.Net.Sockets;
using System.Text;
using Bastion.Core.Audit.Export;
using Microsoft.Extensions.Logging;

namespace Bastion.Core.Tests.Audit.Export;

/// <summary>The network transports against real sockets on 127.0.0.1.</summary>
public sealed class NetworkTransportTests
{
    private static readonly TimeSpan Bound = TimeSpan.FromSeconds(30);

    [Fact]
    public async Task Gelf_over_udp_arrives_chunked_and_reassembles_into_valid_gelf()
    {
        using var receiver = new UdpClient(new IPEndPoint(IPAddress.Loopback, 0));
        var port = ((IPEndPoint)receiver.Client.LocalEndPoint!).Port;
        await using var transport = new UdpTransport("127.0.0.1", port, new GelfChunker(512));
        var data = Enumerable.Range(0, 20).ToDictionary(i => $"field{i}", i => new string('x', 100));
        var message = new GelfFormatter("gw").Format(ExportRecords.WithData(data));
        Assert.True(message.Length > 1024);

        await transport.SendAsync(message, CancellationToken.None);

        var expected = (message.Length + 499) / 500;
        var datagrams = new List<byte[]>();
        for (var i = 0; i < expected; i++)
        {
            datagrams.Add((await receiver.ReceiveAsync().WaitAsync(Bound)).Buffer);
        }
        var json = GelfFormatterTests.Parse(GelfReassembly.Reassemble(datagrams));
        Assert.Equal("1.1", json.GetProperty("version").GetString());
        Assert.Equal(new string('x', 100), json.GetProperty("_field19").GetString());
    }

    [Fact]
    public void Tcp_frames_are_null_terminated_for_gelf_and_octet_counted_for_syslog()
    {
        var gelf = new TcpTransport("h", 1, TcpFraming.NullTerminated, Bound, Bound, 65536, TimeProvider.System);
        Assert.Equal("abc\0"u8.ToArray(), gelf.Frame("abc"u8));
        var syslog = new TcpTransport("h", 1, TcpFraming.OctetCounting, Bound, Bound, 65536, TimeProvider.System);
        Assert.Equal("4 é\n\0"u8.ToArray(), syslog.Frame("é\n\0"u8)); // length in octets, not characters
    }

    [Fact]
    public async Task Tcp_exporter_keeps_records_while_nothing_listens_and_delivers_them_in_order_once_a_receiver_appears()
    {
        var port = FreePort();
        using var metrics = new AuditExportMetrics();
        var log = new CollectingLogger();
        var transport = new TcpTransport("127.0.0.1", port, TcpFraming.OctetCounting, TimeSpan.FromSeconds(5), TimeSpan.FromSeconds(5), 65536, TimeProvider.System);
        var exporter = new AuditExporter("tcp-late", new Rfc5424Formatter(10, "h", "bastion", 1), transport, 100, TimeSpan.FromSeconds(10), metrics, TimeProvider.System, log);
        exporter.Start();
        exporter.OnStored([.. Enumerable.Range(1, 3).Select(i => ExportRecords.AuthSuccess(seq: i))]);

        // The failure is counted before its warning is logged (on the exporter's thread): wait for both.
        await WaitUntilAsync(() => exporter.Failed >= 1 && log.Entries.Any(e => e.Level == LogLevel.Warning), "a refused connection attempt and its warning");
        Assert.Contains(log.Entries, e => e.Level == LogLevel.Warning && e.Text.Contains($"cannot send to tcp://127.0.0.1:{port}", StringComparison.Ordinal));

        var listener = new TcpListener(IPAddress.Loopback, port);
        listener.Start();
        try
        {
            using var client = await listener.AcceptTcpClientAsync().WaitAsync(Bound);
            var stream = client.GetStream();
            for (var seq = 1; seq <= 3; seq++)
            {
                var frame = await ReadOctetCountedAsync(stream);
                Assert.Matches(Rfc5424FormatterTests.SyslogLine(), frame);
                Assert.Contains($"seq=\"{seq}\"", frame, StringComparison.Ordinal);
            }
        }
        finally
        {
            listener.Stop();
        }
        await exporter.StopAsync(Bound);
        Assert.Equal(3, exporter.Sent);
        Assert.Equal(0, exporter.Dropped);
    }

    [Fact]
    public async Task Tcp_transport_reconnects_after_the_receiver_closed_the_connection()
    {
        var listener = new TcpListener(IPAddress.Loopback, 0);
        listener.Start();
        try
        {
            var port = ((IPEndPoint)listener.LocalEndpoint).Port;
            await using var transport = new TcpTransport("127.0.0.1", port, TcpFraming.NullTerminated, Bound, Bound, 65536, TimeProvider.System);
            await transport.SendAsync("first"u8.ToArray(), CancellationToken.None);
            using (var first = await listener.AcceptTcpClientAsync().WaitAsync(Bound))
            {
                Assert.Equal("first", await ReadNullTerminatedAsync(first.GetStream()));
            }
            // The receiver closed; the transport notices before writing and uses a new connection.
            // Let the FIN arrive (a bounded wait: the second send works either way, this exercises the check).
            await Task.Delay(100);
            await transport.SendAsync("second"u8.ToArray(), CancellationToken.None);
            using var second = await listener.AcceptTcpClientAsync().WaitAsync(Bound);
            Assert.Equal("second", await ReadNullTerminatedAsync(second.GetStream()));
        }
        finally
        {
            listener.Stop();
        }
    }

    internal static async Task<string> ReadOctetCountedAsync(Stream stream)
    {
        var length = 0;
        for (var b = await ReadByteAsync(stream); b != ' '; b = await ReadByteAsync(stream))
        {
            Assert.InRange(b, '0', '9');
            length = length * 10 + (b - '0');
        }
        var buffer = new byte[length];
        await stream.ReadExactlyAsync(buffer).AsTask().WaitAsync(Bound);
        return Encoding.UTF8.GetString(buffer);
    }

    internal static async Task<string> ReadNullTerminatedAsync(Stream stream)
    {
        var bytes = new List<byte>();
        for (var b = await ReadByteAsync(stream); b != 0; b = await ReadByteAsync(stream))
        {
            bytes.Add((byte)b);
        }
        return Encoding.UTF8.GetString(bytes.ToArray());
    }

    private static async Task<int> ReadByteAsync(Stream stream)
    {
        var one = new byte[1];
        await stream.ReadExactlyAsync(one).AsTask().WaitAsync(Bound);
        return one[0];
    }

    private static int FreePort()
    {
        using var socket = new Socket(AddressFamily.InterNetwork, SocketType.Stream, ProtocolType.Tcp);
        socket.Bind(new IPEndPoint(IPAddress.Loopback, 0));
        return ((IPEndPoint)socket.LocalEndPoint!).Port;
    }

    private static async Task WaitUntilAsync(Func<bool> condition, string what)
    {
        for (var i = 0; i < 300 && !condition(); i++)
        {
            await Task.Delay(100);
        }
        Assert.True(condition(), $"timed out waiting for {what}");
    }
}
