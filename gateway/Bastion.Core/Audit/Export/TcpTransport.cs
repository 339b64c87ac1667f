using System.Globalization;
using System.Net;
using System.Net.Sockets;
using System.Text;

namespace Bastion.Core.Audit.Export;

/// <summary>How messages are delimited on a TCP stream.</summary>
public enum TcpFraming
{
    /// <summary>GELF TCP: each message followed by a zero byte (JSON never contains a raw zero byte).</summary>
    NullTerminated,

    /// <summary>RFC 6587 §3.4.1 octet counting: "LENGTH SP MESSAGE", so messages may contain any byte.</summary>
    OctetCounting,
}

/// <summary>
/// A TCP connection made on first use and remade after any failure. A write that makes no progress within the send
/// timeout (a receiver that accepts but stops reading) fails like a refused connection, and a connection the
/// receiver closed is noticed before writing into it.
/// </summary>
public sealed class TcpTransport(string host, int port, TcpFraming framing, TimeSpan connectTimeout, TimeSpan sendTimeout, int sendBufferBytes, TimeProvider time)
    : IAuditTransport
{
    private Socket? _socket;

    public string Destination => $"tcp://{host}:{port}";

    public bool RetriesFailedMessages => true;

    public async ValueTask SendAsync(ReadOnlyMemory<byte> message, CancellationToken cancellationToken)
    {
        try
        {
            if (_socket is not null && ClosedByPeer(_socket))
            {
                Reset();
            }
            var socket = _socket ??= await ConnectAsync(cancellationToken).ConfigureAwait(false);
            var frame = Frame(message.Span);
            using var timeout = new CancellationTokenSource(sendTimeout, time);
            using var linked = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken, timeout.Token);
            try
            {
                for (var sent = 0; sent < frame.Length;)
                {
                    sent += await socket.SendAsync(frame.AsMemory(sent), SocketFlags.None, linked.Token).ConfigureAwait(false);
                }
            }
            catch (OperationCanceledException) when (timeout.IsCancellationRequested && !cancellationToken.IsCancellationRequested)
            {
                throw new TimeoutException($"{Destination} accepted no data for {sendTimeout.TotalSeconds:0} s (the receiver is not reading)");
            }
        }
        catch
        {
            Reset();
            throw;
        }
    }

    internal byte[] Frame(ReadOnlySpan<byte> message)
    {
        if (framing == TcpFraming.NullTerminated)
        {
            var framed = new byte[message.Length + 1];
            message.CopyTo(framed);
            return framed;
        }
        var header = Encoding.ASCII.GetBytes(message.Length.ToString(CultureInfo.InvariantCulture) + " ");
        var counted = new byte[header.Length + message.Length];
        header.CopyTo(counted, 0);
        message.CopyTo(counted.AsSpan(header.Length));
        return counted;
    }

    private async Task<Socket> ConnectAsync(CancellationToken cancellationToken)
    {
        using var timeout = new CancellationTokenSource(connectTimeout, time);
        using var linked = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken, timeout.Token);
        Socket? socket = null;
        try
        {
            var address = await NetworkEndpoint.ResolveAsync(host, linked.Token).ConfigureAwait(false);
            socket = new Socket(address.AddressFamily, SocketType.Stream, ProtocolType.Tcp)
            {
                NoDelay = true,
                SendBufferSize = sendBufferBytes,
            };
            await socket.ConnectAsync(new IPEndPoint(address, port), linked.Token).ConfigureAwait(false);
            return socket;
        }
        catch (OperationCanceledException) when (timeout.IsCancellationRequested && !cancellationToken.IsCancellationRequested)
        {
            socket?.Dispose();
            throw new TimeoutException($"no connection to {Destination} within {connectTimeout.TotalSeconds:0} s");
        }
        catch
        {
            socket?.Dispose();
            throw;
        }
    }

    /// <summary>Receivers never send; a readable socket with nothing to read means the receiver closed it.</summary>
    private static bool ClosedByPeer(Socket socket)
    {
        try
        {
            return socket.Poll(0, SelectMode.SelectRead) && socket.Available == 0;
        }
        catch (SocketException)
        {
            return true;
        }
    }

    private void Reset()
    {
        _socket?.Dispose();
        _socket = null;
    }

    public ValueTask DisposeAsync()
    {
        Reset();
        return ValueTask.CompletedTask;
    }
}
