using System.Net;
using System.Net.Sockets;

namespace Bastion.Core.Audit.Export;

/// <summary>
/// One message per datagram (GELF: chunked first when a <see cref="GelfChunker"/> is given). The socket is
/// connected, so an ICMP "port unreachable" shows up as an error on a later send and is counted; the address is
/// resolved again after any error, so a receiver that moved is found.
/// </summary>
public sealed class UdpTransport(string host, int port, GelfChunker? chunker = null) : IAuditTransport
{
    private Socket? _socket;

    public string Destination => $"udp://{host}:{port}";

    public bool RetriesFailedMessages => false;

    public async ValueTask SendAsync(ReadOnlyMemory<byte> message, CancellationToken cancellationToken)
    {
        var datagrams = chunker is null ? [message] : chunker.Split(message);
        try
        {
            var socket = _socket ??= await ConnectAsync(cancellationToken).ConfigureAwait(false);
            foreach (var datagram in datagrams)
            {
                await socket.SendAsync(datagram, SocketFlags.None, cancellationToken).ConfigureAwait(false);
            }
        }
        catch
        {
            Reset();
            throw;
        }
    }

    private async Task<Socket> ConnectAsync(CancellationToken cancellationToken)
    {
        var address = await NetworkEndpoint.ResolveAsync(host, cancellationToken).ConfigureAwait(false);
        var socket = new Socket(address.AddressFamily, SocketType.Dgram, ProtocolType.Udp);
        try
        {
            await socket.ConnectAsync(new IPEndPoint(address, port), cancellationToken).ConfigureAwait(false);
            return socket;
        }
        catch
        {
            socket.Dispose();
            throw;
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

/// <summary>Name resolution for the exporters' receivers.</summary>
internal static class NetworkEndpoint
{
    public static async Task<IPAddress> ResolveAsync(string host, CancellationToken cancellationToken)
    {
        if (IPAddress.TryParse(host, out var literal))
        {
            return literal;
        }
        var addresses = await Dns.GetHostAddressesAsync(host, cancellationToken).ConfigureAwait(false);
        return addresses.FirstOrDefault(a => a.AddressFamily == AddressFamily.InterNetwork) ?? addresses.FirstOrDefault()
            ?? throw new SocketException((int)SocketError.HostNotFound);
    }
}
