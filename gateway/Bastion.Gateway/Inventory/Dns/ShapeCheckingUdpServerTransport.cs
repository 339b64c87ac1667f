using System.Net;
using System.Net.Sockets;
using ARSoft.Tools.Net.Dns;

namespace Bastion.Gateway.Inventory.Dns;

/// <summary>
/// The UDP listener, in place of ARSoft's <see cref="UdpServerTransport"/>: that one parses each datagram's question
/// inside its single receive loop and throws on junk, so a burst of garbage stalled every query behind it for
/// seconds. Here every datagram passes <see cref="DnsMessageShape.Check"/> first: responses and stubs are dropped,
/// broken framing is answered FORMERR straight away, and only well-framed queries become connections for the server.
/// A source over its response rate limit is sent nothing, FORMERR included, before any parsing.
/// </summary>
internal sealed class ShapeCheckingUdpServerTransport : IServerTransport
{
    // Queries are small; room for EDNS-sized ones so a large query is judged whole rather than cut.
    private const int ReceiveBufferSize = 4096;
    private const int SendTimeoutMilliseconds = 5_000;

    private readonly IPEndPoint _endPoint;
    private readonly Socket _socket;
    private readonly Action<IPEndPoint, DnsMessageVerdict> _rejected;
    private readonly DnsResponseRateLimiter? _limiter;
    private readonly Action<IPEndPoint> _limited;

    /// <param name="limiter">Per-source response limit; null for none.</param>
    /// <param name="limited">Told about each query dropped by <paramref name="limiter"/>.</param>
    public ShapeCheckingUdpServerTransport(IPEndPoint endPoint, Action<IPEndPoint, DnsMessageVerdict> rejected, DnsResponseRateLimiter? limiter, Action<IPEndPoint> limited)
    {
        _endPoint = endPoint;
        _rejected = rejected;
        _limiter = limiter;
        _limited = limited;
        _socket = new Socket(endPoint.AddressFamily, SocketType.Dgram, ProtocolType.Udp);
        if (endPoint.Address.Equals(IPAddress.IPv6Any))
        {
            _socket.DualMode = true;
        }
    }

    /// <summary>Without EDNS a UDP answer is at most 512 bytes (RFC 1035); ARSoft truncates and sets TC above that.</summary>
    public ushort DefaultAllowedResponseSize => 512;

    public bool SupportsMultipleResponses => false;

    public bool AllowTruncatedResponses => true;

    public TransportProtocol TransportProtocol => TransportProtocol.Udp;

    public void Bind() => _socket.Bind(_endPoint);

    public void Close() => _socket.Close();

    public void Dispose() => _socket.Dispose();

    /// <summary>The next well-framed query; null once the server is stopping (ARSoft's loop then checks its token).</summary>
    public async Task<IServerConnection?> AcceptConnectionAsync(CancellationToken token = default)
    {
        var anyRemote = new IPEndPoint(_endPoint.AddressFamily == AddressFamily.InterNetwork ? IPAddress.Any : IPAddress.IPv6Any, 0);
        while (!token.IsCancellationRequested)
        {
            var buffer = new byte[DnsRawPackage.LENGTH_HEADER_LENGTH + ReceiveBufferSize];
            SocketReceiveFromResult received;
            try
            {
                received = await _socket.ReceiveFromAsync(buffer.AsMemory(DnsRawPackage.LENGTH_HEADER_LENGTH), SocketFlags.None, anyRemote, token)
                    .ConfigureAwait(false);
            }
            catch (Exception e) when (e is OperationCanceledException or ObjectDisposedException)
            {
                return null;
            }
            catch (SocketException)
            {
                continue; // e.g. an ICMP error for an earlier reply surfacing on this socket; keep listening
            }
            var remote = (IPEndPoint)received.RemoteEndPoint;
            var message = buffer.AsSpan(DnsRawPackage.LENGTH_HEADER_LENGTH, received.ReceivedBytes);
            var verdict = DnsMessageShape.Check(message);
            if (verdict != DnsMessageVerdict.Drop && _limiter?.TryTake(remote.Address) == false)
            {
                _limited(remote);
                continue;
            }
            if (verdict == DnsMessageVerdict.Parse)
            {
                buffer[0] = (byte)(received.ReceivedBytes >> 8);
                buffer[1] = (byte)received.ReceivedBytes;
                return new Datagram(this, new DnsReceivedRawPackage(buffer[..(DnsRawPackage.LENGTH_HEADER_LENGTH + received.ReceivedBytes)], remote, _endPoint));
            }
            _rejected(remote, verdict);
            if (verdict == DnsMessageVerdict.FormatError)
            {
                await SendAsync(DnsMessageShape.FormatErrorReply(message), remote, token).ConfigureAwait(false);
            }
        }
        return null;
    }

    private async Task<bool> SendAsync(ReadOnlyMemory<byte> datagram, IPEndPoint remote, CancellationToken token)
    {
        using var timeout = CancellationTokenSource.CreateLinkedTokenSource(token);
        timeout.CancelAfter(SendTimeoutMilliseconds);
        try
        {
            return await _socket.SendToAsync(datagram, SocketFlags.None, remote, timeout.Token).ConfigureAwait(false) == datagram.Length;
        }
        catch (Exception e) when (e is OperationCanceledException or ObjectDisposedException or SocketException)
        {
            return false; // UDP: the client retries
        }
    }

    /// <summary>One query datagram and the way back to its sender.</summary>
    private sealed class Datagram : IServerConnection
    {
        private readonly ShapeCheckingUdpServerTransport _transport;
        private readonly DnsReceivedRawPackage _query;

        public Datagram(ShapeCheckingUdpServerTransport transport, DnsReceivedRawPackage query)
        {
            _transport = transport;
            _query = query;
        }

        public IServerTransport Transport => _transport;

        public IPEndPoint RemoteEndPoint => _query.RemoteEndpoint;

        public IPEndPoint LocalEndPoint => _query.LocalEndpoint;

        public bool CanRead { get; private set; } = true;

        public Task<bool> InitializeAsync(CancellationToken token = default) => Task.FromResult(true);

        public Task<DnsReceivedRawPackage?> ReceiveAsync(CancellationToken token = default)
        {
            var first = CanRead;
            CanRead = false;
            return Task.FromResult(first ? _query : null);
        }

        public Task<bool> SendAsync(DnsRawPackage package, CancellationToken token = default) =>
            _transport.SendAsync(package.ToArraySegment(false), RemoteEndPoint, token);

        public void Dispose()
        {
            // The socket belongs to the transport.
        }
    }
}
