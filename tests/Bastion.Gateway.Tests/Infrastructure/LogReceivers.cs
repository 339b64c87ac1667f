using System.Diagnostics;
using System.Net;
using System.Net.Sockets;
using System.Text;

namespace Bastion.Gateway.Tests.Infrastructure;

/// <summary>
/// What a log receiver (Graylog, rsyslog) got: whole messages as text, in arrival order. Receivers run on
/// 127.0.0.1 with a kernel-chosen port; <see cref="WaitForAsync"/> polls (bounded) for the messages a test expects.
/// </summary>
public abstract class LogReceiver : IAsyncDisposable
{
    private readonly Lock _lock = new();
    private readonly List<string> _messages = [];
    private readonly CancellationTokenSource _stop = new();
    private Task _loop = Task.CompletedTask;

    /// <summary>The port the receiver listens on (127.0.0.1).</summary>
    public abstract int Port { get; }

    /// <summary>Messages received so far.</summary>
    public IReadOnlyList<string> Messages
    {
        get { lock (_lock) { return _messages.ToList(); } }
    }

    /// <summary>Polls every 100 ms, for at most <paramref name="timeout"/> (default 20 s), until <paramref name="predicate"/> holds.</summary>
    public async Task<IReadOnlyList<string>> WaitForAsync(Func<IReadOnlyList<string>, bool> predicate, string what, TimeSpan? timeout = null)
    {
        var limit = timeout ?? TimeSpan.FromSeconds(20);
        var sw = Stopwatch.StartNew();
        while (true)
        {
            var messages = Messages;
            if (predicate(messages))
            {
                return messages;
            }
            if (sw.Elapsed > limit)
            {
                throw new TimeoutException($"{GetType().Name} on port {Port} did not receive {what} within {limit.TotalSeconds} s; it got {messages.Count}:\n"
                    + string.Join('\n', messages.TakeLast(30)));
            }
            await Task.Delay(100).ConfigureAwait(false);
        }
    }

    protected void Add(string message)
    {
        lock (_lock) { _messages.Add(message); }
    }

    protected void Run(Func<CancellationToken, Task> loop) => _loop = Task.Run(() => loop(_stop.Token));

    protected abstract void Close();

    /// <inheritdoc />
    public async ValueTask DisposeAsync()
    {
        await _stop.CancelAsync().ConfigureAwait(false);
        Close();
        await _loop.ConfigureAwait(ConfigureAwaitOptions.SuppressThrowing);
        _stop.Dispose();
        GC.SuppressFinalize(this);
    }
}

/// <summary>A GELF UDP input: datagrams, with GELF chunks (0x1e 0x0f, id, seq, count) reassembled as Graylog does.</summary>
public sealed class GelfUdpReceiver : LogReceiver
{
    private readonly UdpClient _udp = new(new IPEndPoint(IPAddress.Loopback, 0));
    private readonly Dictionary<ulong, byte[]?[]> _partial = [];

    public GelfUdpReceiver() => Run(ReceiveAsync);

    /// <summary>Datagrams that were GELF chunks.</summary>
    public int ChunkCount { get; private set; }

    public override int Port => ((IPEndPoint)_udp.Client.LocalEndPoint!).Port;

    private async Task ReceiveAsync(CancellationToken stop)
    {
        while (!stop.IsCancellationRequested)
        {
            var datagram = (await _udp.ReceiveAsync(stop).ConfigureAwait(false)).Buffer;
            if (datagram.Length < 12 || datagram[0] != 0x1e || datagram[1] != 0x0f)
            {
                Add(Encoding.UTF8.GetString(datagram));
                continue;
            }
            ChunkCount++;
            var id = BitConverter.ToUInt64(datagram, 2);
            int seq = datagram[10], count = datagram[11];
            if (count is 0 or > 128 || seq >= count)
            {
                Add($"INVALID GELF CHUNK seq={seq} count={count}");
                continue;
            }
            if (!_partial.TryGetValue(id, out var parts))
            {
                _partial[id] = parts = new byte[]?[count];
            }
            parts[seq] = datagram[12..];
            if (parts.All(p => p is not null))
            {
                _partial.Remove(id);
                Add(Encoding.UTF8.GetString(parts.SelectMany(p => p!).ToArray()));
            }
        }
    }

    protected override void Close() => _udp.Dispose();
}

/// <summary>A syslog UDP input: one message per datagram.</summary>
public sealed class SyslogUdpReceiver : LogReceiver
{
    private readonly UdpClient _udp = new(new IPEndPoint(IPAddress.Loopback, 0));

    public SyslogUdpReceiver() => Run(async stop =>
    {
        while (!stop.IsCancellationRequested)
        {
            Add(Encoding.UTF8.GetString((await _udp.ReceiveAsync(stop).ConfigureAwait(false)).Buffer));
        }
    });

    public override int Port => ((IPEndPoint)_udp.Client.LocalEndPoint!).Port;

    protected override void Close() => _udp.Dispose();
}

/// <summary>
/// A TCP input reading frames: GELF (each message ends with a zero byte) or syslog with RFC 6587 octet counting
/// ("LENGTH SP MESSAGE"). A frame that breaks the framing is recorded as "INVALID FRAME …" so assertions show it.
/// </summary>
public sealed class TcpFrameReceiver : LogReceiver
{
    private readonly TcpListener _listener = new(IPAddress.Loopback, 0);
    private readonly bool _octetCounting;

    private TcpFrameReceiver(bool octetCounting)
    {
        _octetCounting = octetCounting;
        _listener.Start();
        Run(AcceptAsync);
    }

    public static TcpFrameReceiver Gelf() => new(octetCounting: false);

    public static TcpFrameReceiver Syslog() => new(octetCounting: true);

    public override int Port => ((IPEndPoint)_listener.LocalEndpoint).Port;

    private async Task AcceptAsync(CancellationToken stop)
    {
        var readers = new List<Task>();
        while (!stop.IsCancellationRequested)
        {
            var client = await _listener.AcceptTcpClientAsync(stop).ConfigureAwait(false);
            readers.Add(ReadAsync(client, stop));
        }
    }

    private async Task ReadAsync(TcpClient client, CancellationToken stop)
    {
        using var _ = client;
        var stream = new BufferedStream(client.GetStream(), 64 * 1024);
        var one = new byte[1];
        var frame = new List<byte>();
        while (await stream.ReadAsync(one, stop).ConfigureAwait(false) == 1)
        {
            if (!_octetCounting)
            {
                if (one[0] == 0)
                {
                    Add(Encoding.UTF8.GetString(frame.ToArray()));
                    frame.Clear();
                }
                else
                {
                    frame.Add(one[0]);
                }
                continue;
            }
            if (one[0] != (byte)' ')
            {
                if (one[0] is < (byte)'0' or > (byte)'9' || frame.Count > 7)
                {
                    Add($"INVALID FRAME: length byte 0x{one[0]:x2}");
                    return;
                }
                frame.Add(one[0]);
                continue;
            }
            var length = int.Parse(Encoding.ASCII.GetString(frame.ToArray()), System.Globalization.CultureInfo.InvariantCulture);
            frame.Clear();
            var body = new byte[length];
            await stream.ReadExactlyAsync(body, stop).ConfigureAwait(false);
            Add(Encoding.UTF8.GetString(body));
        }
    }

    protected override void Close() => _listener.Stop();
}

/// <summary>
/// A receiver that accepts connections and never reads from them, with the smallest receive buffer, so a sender
/// whose own buffer is bounded stalls after a few kilobytes — a hung Graylog.
/// </summary>
public sealed class StalledTcpListener : IDisposable
{
    private readonly Socket _listener = new(AddressFamily.InterNetwork, SocketType.Stream, ProtocolType.Tcp);
    private readonly List<Socket> _accepted = [];
    private readonly Task _accepting;

    public StalledTcpListener()
    {
        _listener.ReceiveBufferSize = 1024; // inherited by accepted sockets
        _listener.Bind(new IPEndPoint(IPAddress.Loopback, 0));
        _listener.Listen(16);
        _accepting = Task.Run(async () =>
        {
            while (true)
            {
                var socket = await _listener.AcceptAsync().ConfigureAwait(false);
                lock (_accepted) { _accepted.Add(socket); }
            }
        });
    }

    public int Port => ((IPEndPoint)_listener.LocalEndPoint!).Port;

    /// <summary>Connections accepted (and never read).</summary>
    public int Accepted
    {
        get { lock (_accepted) { return _accepted.Count; } }
    }

    public void Dispose()
    {
        _listener.Dispose();
        lock (_accepted)
        {
            foreach (var socket in _accepted)
            {
                socket.Dispose();
            }
        }
        _ = _accepting.Exception; // observed: the loop ends with the listener's ObjectDisposedException
    }
}
