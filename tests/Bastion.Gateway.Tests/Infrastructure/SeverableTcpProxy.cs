using System.Net;
using System.Net.Sockets;

namespace Bastion.Gateway.Tests.Infrastructure;

/// <summary>
/// A loopback TCP relay a test can cut and mend: <see cref="Sever"/> resets every open connection and refuses new
/// ones (a database failover, a network partition); <see cref="Restore"/> relays again. Bounded: at most 256
/// connections at once, each relayed with a 64 KiB buffer per direction.
/// </summary>
public sealed class SeverableTcpProxy : IAsyncDisposable
{
    private const int MaxConnections = 256;
    private readonly TcpListener _listener;
    private readonly IPEndPoint _upstream;
    private readonly Lock _gate = new();
    private readonly List<Socket> _open = [];
    private readonly CancellationTokenSource _stop = new();
    private Task? _accepting;
    private bool _severed;

    public SeverableTcpProxy(IPEndPoint upstream)
    {
        _upstream = upstream;
        _listener = new TcpListener(IPAddress.Loopback, 0);
    }

    public IPEndPoint EndPoint => (IPEndPoint)_listener.LocalEndpoint;

    public SeverableTcpProxy Start()
    {
        _listener.Start();
        _accepting = AcceptLoopAsync();
        return this;
    }

    /// <summary>Resets every relayed connection now and each new one until <see cref="Restore"/>.</summary>
    public void Sever()
    {
        lock (_gate)
        {
            _severed = true;
            foreach (var socket in _open)
            {
                Reset(socket);
            }
            _open.Clear();
        }
    }

    public void Restore()
    {
        lock (_gate)
        {
            _severed = false;
        }
    }

    private async Task AcceptLoopAsync()
    {
        while (!_stop.IsCancellationRequested)
        {
            Socket client;
            try
            {
                client = await _listener.AcceptSocketAsync(_stop.Token);
            }
            catch (Exception ex) when (ex is OperationCanceledException or ObjectDisposedException or SocketException)
            {
                return;
            }
            bool refuse;
            lock (_gate)
            {
                refuse = _severed || _open.Count >= MaxConnections;
            }
            if (refuse)
            {
                Reset(client);
                continue;
            }
            _ = RelayAsync(client);
        }
    }

    private async Task RelayAsync(Socket client)
    {
        var upstream = new Socket(SocketType.Stream, ProtocolType.Tcp);
        try
        {
            await upstream.ConnectAsync(_upstream, _stop.Token);
            lock (_gate)
            {
                if (_severed)
                {
                    Reset(client);
                    Reset(upstream);
                    return;
                }
                _open.Add(client);
                _open.Add(upstream);
            }
            await Task.WhenAny(PumpAsync(client, upstream), PumpAsync(upstream, client));
        }
        catch (Exception ex) when (ex is SocketException or ObjectDisposedException or OperationCanceledException)
        {
        }
        finally
        {
            lock (_gate)
            {
                _open.Remove(client);
                _open.Remove(upstream);
            }
            client.Dispose();
            upstream.Dispose();
        }
    }

    private async Task PumpAsync(Socket from, Socket to)
    {
        var buffer = new byte[64 * 1024];
        try
        {
            while (true)
            {
                var read = await from.ReceiveAsync(buffer, SocketFlags.None, _stop.Token);
                if (read == 0)
                {
                    to.Shutdown(SocketShutdown.Send);
                    return;
                }
                await to.SendAsync(buffer.AsMemory(0, read), SocketFlags.None, _stop.Token);
            }
        }
        catch (Exception ex) when (ex is SocketException or ObjectDisposedException or OperationCanceledException)
        {
        }
    }

    /// <summary>Closes with RST (linger 0), as a dead peer or a firewall would.</summary>
    private static void Reset(Socket socket)
    {
        try
        {
            socket.LingerState = new LingerOption(true, 0);
            socket.Close();
        }
        catch (Exception ex) when (ex is SocketException or ObjectDisposedException)
        {
        }
    }

    public async ValueTask DisposeAsync()
    {
        await _stop.CancelAsync();
        _listener.Stop();
        Sever();
        if (_accepting is not null)
        {
            await _accepting;
        }
        _stop.Dispose();
    }
}
