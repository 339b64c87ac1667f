using System.Buffers.Binary;
using System.Net;
using System.Net.Sockets;

namespace Bastion.Gateway.Tests.Infrastructure;

/// <summary>
/// A man in the middle for SSH tests: relays TCP between a real client and a server and, in the client-to-server
/// direction, follows the plaintext part of the protocol (identification line, then packets) until the client's
/// SSH_MSG_NEWKEYS; then it flips one bit in the <see cref="FlipOffset"/>-th byte of the encrypted stream that
/// follows. The server must reject that packet as failing message authentication.
/// </summary>
public sealed class CorruptingTcpProxy : IAsyncDisposable
{
    private readonly TcpListener _listener;
    private readonly IPEndPoint _upstream;
    private readonly CancellationTokenSource _stop = new();
    private readonly List<Task> _tasks = [];
    private readonly List<Socket> _sockets = [];
    private readonly Lock _gate = new();
    private readonly TaskCompletionSource<IPEndPoint> _corrupted = new(TaskCreationOptions.RunContinuationsAsynchronously);
    private Task? _acceptLoop;

    /// <summary>Listens on <paramref name="listen"/> (a free port) and relays to <paramref name="upstream"/>.</summary>
    public CorruptingTcpProxy(IPAddress listen, IPEndPoint upstream, int flipOffset = 8)
    {
        _upstream = upstream;
        FlipOffset = flipOffset;
        _listener = new TcpListener(listen, 0);
    }

    /// <summary>Which byte after the client's NEWKEYS packet is corrupted (0 = the first encrypted byte).</summary>
    public int FlipOffset { get; }

    /// <summary>Where clients connect.</summary>
    public IPEndPoint EndPoint => (IPEndPoint)_listener.LocalEndpoint;

    /// <summary>Completes with the proxy's upstream local end point (the source the server sees) once a byte was flipped.</summary>
    public Task<IPEndPoint> Corrupted => _corrupted.Task;

    /// <summary>Starts accepting.</summary>
    public CorruptingTcpProxy Start()
    {
        _listener.Start();
        _acceptLoop = Task.Run(AcceptLoopAsync);
        return this;
    }

    private async Task AcceptLoopAsync()
    {
        while (!_stop.IsCancellationRequested)
        {
            Socket client;
            try
            {
                client = await _listener.AcceptSocketAsync(_stop.Token).ConfigureAwait(false);
            }
            catch (Exception ex) when (ex is OperationCanceledException or SocketException or ObjectDisposedException)
            {
                return;
            }

            var server = new Socket(_upstream.AddressFamily, SocketType.Stream, ProtocolType.Tcp) { NoDelay = true };
            lock (_gate)
            {
                _sockets.Add(client);
                _sockets.Add(server);
            }

            try
            {
                await server.ConnectAsync(_upstream, _stop.Token).ConfigureAwait(false);
            }
            catch (Exception ex) when (ex is OperationCanceledException or SocketException)
            {
                client.Dispose();
                server.Dispose();
                continue;
            }

            var tamperer = new Tamperer(FlipOffset);
            var upstreamSource = (IPEndPoint)server.LocalEndPoint!;
            lock (_gate)
            {
                _tasks.Add(PumpAsync(client, server, chunk =>
                {
                    if (tamperer.Process(chunk))
                    {
                        _corrupted.TrySetResult(upstreamSource);
                    }
                }));
                _tasks.Add(PumpAsync(server, client, null));
            }
        }
    }

    private async Task PumpAsync(Socket from, Socket to, Action<Memory<byte>>? inspect)
    {
        var buffer = new byte[32 * 1024];
        try
        {
            while (true)
            {
                var n = await from.ReceiveAsync(buffer, SocketFlags.None, _stop.Token).ConfigureAwait(false);
                if (n == 0)
                {
                    break;
                }

                var chunk = buffer.AsMemory(0, n);
                inspect?.Invoke(chunk);
                var sent = 0;
                while (sent < n)
                {
                    sent += await to.SendAsync(chunk[sent..], SocketFlags.None, _stop.Token).ConfigureAwait(false);
                }
            }

            to.Shutdown(SocketShutdown.Send);
        }
        catch (Exception ex) when (ex is OperationCanceledException or SocketException or ObjectDisposedException)
        {
            // One side went away: take the other down too.
            try
            {
                to.Shutdown(SocketShutdown.Both);
            }
            catch (Exception inner) when (inner is SocketException or ObjectDisposedException)
            {
            }
        }
    }

    /// <inheritdoc />
    public async ValueTask DisposeAsync()
    {
        await _stop.CancelAsync().ConfigureAwait(false);
        _listener.Stop();
        Task[] tasks;
        lock (_gate)
        {
            foreach (var s in _sockets)
            {
                s.Dispose();
            }

            tasks = [.. _tasks];
        }

        if (_acceptLoop is not null)
        {
            tasks = [.. tasks, _acceptLoop];
        }

        await Task.WhenAny(Task.WhenAll(tasks), Task.Delay(TimeSpan.FromSeconds(5))).ConfigureAwait(false);
        _stop.Dispose();
    }

    /// <summary>Follows the client's plaintext stream byte by byte; corrupts one byte after NEWKEYS.</summary>
    private sealed class Tamperer(int flipOffset)
    {
        private readonly List<byte> _packet = [];
        private bool _identificationDone;
        private long _encryptedSeen = -1; // -1: still plaintext
        private bool _flipped;

        /// <summary>Inspects (and maybe modifies) a chunk in place; true when this chunk got the flipped byte.</summary>
        public bool Process(Memory<byte> chunk)
        {
            var span = chunk.Span;
            for (var i = 0; i < span.Length; i++)
            {
                if (_flipped)
                {
                    return false;
                }

                if (_encryptedSeen >= 0)
                {
                    if (_encryptedSeen++ == flipOffset)
                    {
                        span[i] ^= 0x01;
                        _flipped = true;
                        return true;
                    }

                    continue;
                }

                if (!_identificationDone)
                {
                    _identificationDone = span[i] == (byte)'\n';
                    continue;
                }

                _packet.Add(span[i]);
                if (_packet.Count >= 6)
                {
                    var length = BinaryPrimitives.ReadUInt32BigEndian(System.Runtime.InteropServices.CollectionsMarshal.AsSpan(_packet));
                    if (_packet.Count == 4 + length)
                    {
                        var message = _packet[5];
                        _packet.Clear();
                        if (message == 21)
                        {
                            _encryptedSeen = 0; // SSH_MSG_NEWKEYS: everything after it is encrypted
                        }
                    }
                }
            }

            return false;
        }
    }
}
