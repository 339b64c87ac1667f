using System.Net;
using ARSoft.Tools.Net.Dns;

namespace Bastion.Gateway.Inventory.Dns;

/// <summary>
/// Wraps an ARSoft server transport (the TCP one) so every message passes <see cref="DnsMessageShape.Check"/> before
/// the library parses it: responses and stubs are dropped, broken framing is answered FORMERR here, and only
/// well-framed messages reach the parser and the responder. (ARSoft's TCP listener has already read the question by
/// then and ends the connection if it cannot; UDP uses <see cref="ShapeCheckingUdpServerTransport"/> instead.)
/// A message from a source over its response rate limit ends the connection unanswered: a TCP client that gets no
/// answer would otherwise wait for its timeout with the connection held open.
/// </summary>
internal sealed class ShapeCheckingServerTransport : IServerTransport
{
    private readonly IServerTransport _inner;
    private readonly Action<IPEndPoint, DnsMessageVerdict> _rejected;
    private readonly DnsResponseRateLimiter? _limiter;
    private readonly Action<IPEndPoint> _limited;

    /// <param name="inner">The UDP or TCP transport that owns the socket.</param>
    /// <param name="rejected">Told about each packet that does not reach the parser (for debug logging).</param>
    /// <param name="limiter">Per-source response limit; null for none.</param>
    /// <param name="limited">Told about each message dropped by <paramref name="limiter"/>.</param>
    public ShapeCheckingServerTransport(IServerTransport inner, Action<IPEndPoint, DnsMessageVerdict> rejected, DnsResponseRateLimiter? limiter, Action<IPEndPoint> limited)
    {
        _inner = inner;
        _rejected = rejected;
        _limiter = limiter;
        _limited = limited;
    }

    public ushort DefaultAllowedResponseSize => _inner.DefaultAllowedResponseSize;

    public bool SupportsMultipleResponses => _inner.SupportsMultipleResponses;

    public bool AllowTruncatedResponses => _inner.AllowTruncatedResponses;

    public TransportProtocol TransportProtocol => _inner.TransportProtocol;

    public void Bind() => _inner.Bind();

    public void Close() => _inner.Close();

    public void Dispose() => _inner.Dispose();

    public async Task<IServerConnection?> AcceptConnectionAsync(CancellationToken token = default) =>
        await _inner.AcceptConnectionAsync(token).ConfigureAwait(false) is { } connection ? new Connection(this, connection) : null;

    private sealed class Connection : IServerConnection
    {
        private readonly ShapeCheckingServerTransport _transport;
        private readonly IServerConnection _inner;
        private bool _closed;

        public Connection(ShapeCheckingServerTransport transport, IServerConnection inner)
        {
            _transport = transport;
            _inner = inner;
        }

        public IServerTransport Transport => _transport;

        public IPEndPoint RemoteEndPoint => _inner.RemoteEndPoint;

        public IPEndPoint LocalEndPoint => _inner.LocalEndPoint;

        public bool CanRead => !_closed && _inner.CanRead;

        public Task<bool> InitializeAsync(CancellationToken token = default) => _inner.InitializeAsync(token);

        public Task<bool> SendAsync(DnsRawPackage package, CancellationToken token = default) => _inner.SendAsync(package, token);

        public void Dispose() => _inner.Dispose();

        /// <summary>The next well-framed message; null when the connection has no more (a UDP datagram is one message).</summary>
        public async Task<DnsReceivedRawPackage?> ReceiveAsync(CancellationToken token = default)
        {
            while (await _inner.ReceiveAsync(token).ConfigureAwait(false) is { } package)
            {
                var message = MessageBytes(package);
                var verdict = DnsMessageShape.Check(message);
                if (verdict != DnsMessageVerdict.Drop && _transport._limiter?.TryTake(RemoteEndPoint.Address) == false)
                {
                    _transport._limited(RemoteEndPoint);
                    // Returning no message alone leaves ARSoft holding the connection open until its idle timeout.
                    _closed = true;
                    _inner.Dispose();
                    return null;
                }
                if (verdict == DnsMessageVerdict.Parse)
                {
                    return package;
                }
                _transport._rejected(RemoteEndPoint, verdict);
                if (verdict == DnsMessageVerdict.FormatError)
                {
                    await _inner.SendAsync(WithLengthHeader(DnsMessageShape.FormatErrorReply(message)), token).ConfigureAwait(false);
                }
                if (!_inner.CanRead)
                {
                    break; // UDP: that datagram was all there is; TCP: the client is gone
                }
            }
            return null;
        }

        /// <summary>
        /// The bytes that arrived. ARSoft's UDP listener hands over its whole receive buffer and records the datagram's
        /// size in <see cref="DnsRawPackage.Length"/>; its TCP listener hands over exactly the frame and leaves Length 0.
        /// </summary>
        private ReadOnlySpan<byte> MessageBytes(DnsRawPackage package)
        {
            var segment = package.ToArraySegment(false).AsSpan();
            return _transport.TransportProtocol == TransportProtocol.Udp ? segment[..Math.Min(package.Length, segment.Length)] : segment;
        }

        private static DnsRawPackage WithLengthHeader(byte[] reply)
        {
            var buffer = new byte[DnsRawPackage.LENGTH_HEADER_LENGTH + reply.Length];
            buffer[0] = (byte)(reply.Length >> 8);
            buffer[1] = (byte)reply.Length;
            reply.CopyTo(buffer, DnsRawPackage.LENGTH_HEADER_LENGTH);
            return new DnsRawPackage(buffer);
        }
    }
}
