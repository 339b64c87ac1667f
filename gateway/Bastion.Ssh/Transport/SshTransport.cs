using System.Text;
using Bastion.Ssh.Messages;
using Bastion.Ssh.Wire;
using Microsoft.Extensions.Logging;

namespace Bastion.Ssh.Transport;

/// <summary>
/// The transport layer of one connection over any duplex stream: identification exchange, packets, key
/// exchange and rekeying. Upper layers call <see cref="ReceiveAsync"/> and get only service messages
/// (userauth and connection); transport messages are answered here.
/// </summary>
public sealed class SshTransport : IAsyncDisposable
{
    private readonly Stream _stream;
    private readonly SshServerOptions _options;
    private readonly ILogger _logger;
    private readonly InputBuffer _input;
    private readonly PacketReader _reader;
    private readonly PacketWriter _writer;
    private KeyExchangeDriver? _kex;
    private int _disconnecting;
    private int _disconnectQueued;

    internal SshTransport(Stream stream, SshServerOptions options, ILogger logger)
    {
        _stream = stream;
        _options = options;
        _logger = logger;
        _input = new InputBuffer(stream);
        _reader = new PacketReader(_input);
        _writer = new PacketWriter(stream);
        ServerVersion = "SSH-2.0-" + options.SoftwareVersion;
    }

    public string ServerVersion { get; }

    public string? ClientVersion { get; private set; }

    public byte[] SessionId => _kex?.SessionId ?? throw new InvalidOperationException("no key exchange has completed");

    public NegotiatedAlgorithms? Algorithms => _kex?.Current;

    public long BytesReceived => _reader.TotalBytes;

    public long BytesSent => _writer.TotalBytes;

    /// <summary>Whether the peer has sent anything at all, even part of an identification line.</summary>
    internal bool PeerHasSpoken => _input.TotalBytesRead > 0;

    /// <summary>Raised when a (re)key exchange completes, with the time it took.</summary>
    public event Action<NegotiatedAlgorithms, TimeSpan>? KeyExchangeCompleted;

    /// <summary>Signature algorithms announced in server-sig-algs (RFC 8308).</summary>
    internal Func<IReadOnlyList<string>> ServerSignatureAlgorithms { get; set; } = () => [];

    internal PacketWriter Writer => _writer;

    /// <summary>Completes (faulted) when the writer loop fails, e.g. the peer reset the connection.</summary>
    internal Task WriterCompletion => _writer.Completion;

    /// <summary>Exchanges identification lines and sends our first KEXINIT.</summary>
    public async Task StartAsync(CancellationToken cancellationToken)
    {
        await _stream.WriteAsync(VersionExchange.Encode(ServerVersion), cancellationToken).ConfigureAwait(false);
        await _stream.FlushAsync(cancellationToken).ConfigureAwait(false);
        ClientVersion = await VersionExchange.ReadAsync(_input, cancellationToken).ConfigureAwait(false);
        _kex = new KeyExchangeDriver(_options, _reader, _writer, ClientVersion, ServerVersion, () => ServerSignatureAlgorithms());
        _kex.KeyExchangeCompleted += (algorithms, elapsed) => KeyExchangeCompleted?.Invoke(algorithms, elapsed);
        _writer.AfterEachPacket = RekeyIfDue;
        await _kex.BeginAsync().ConfigureAwait(false);
    }

    /// <summary>
    /// Returns the next service message (number ≥ 5, not kex), or null when the peer closed the connection.
    /// The payload is valid until the next call.
    /// </summary>
    internal async ValueTask<ReceivedPacket?> ReceiveAsync(CancellationToken cancellationToken)
    {
        var kex = _kex ?? throw new InvalidOperationException("StartAsync has not run");
        while (true)
        {
            var received = await _reader.ReadAsync(cancellationToken).ConfigureAwait(false);
            if (received is not { } packet)
            {
                return null;
            }
            var number = packet.Number;
            var initial = kex.Completed == 0;
            if (initial && kex.StrictKex && !MessageNumber.IsKeyExchange(number) && number != MessageNumber.Disconnect)
            {
                throw new SshProtocolException($"strict key exchange: message {number} is not allowed during the initial key exchange");
            }
            switch (number)
            {
                case MessageNumber.Disconnect:
                    var disconnect = DisconnectMessage.Read(packet.Payload.Span);
                    _logger.LogDebug("peer disconnected: {Reason} {Description}", disconnect.Reason, disconnect.Description);
                    return null;
                case MessageNumber.Ignore:
                case MessageNumber.Debug:
                case MessageNumber.Unimplemented:
                    continue;
                case MessageNumber.ExtInfo:
                    // Client-to-server extensions (RFC 8308 §2.4) carry nothing we act on.
                    ExtInfoMessage.Read(packet.Payload.Span);
                    continue;
            }
            if (MessageNumber.IsKeyExchange(number))
            {
                if (number is > MessageNumber.NewKeys and < MessageNumber.KexEcdhInit or > MessageNumber.KexEcdhReply)
                {
                    await SendUnimplementedAsync(packet.SequenceNumber).ConfigureAwait(false);
                    continue;
                }
                await kex.HandleAsync(packet).ConfigureAwait(false);
                RekeyIfDue();
                continue;
            }
            if (initial)
            {
                throw new SshProtocolException($"message {number} received before the first key exchange finished");
            }
            if (number < MessageNumber.ServiceRequest)
            {
                await SendUnimplementedAsync(packet.SequenceNumber).ConfigureAwait(false);
                continue;
            }
            return packet;
        }
    }

    /// <summary>From now on the client's key re-exchanges are paced rather than counted (see <see cref="SshServerOptions.MaxClientRekeysBeforeAuth"/>).</summary>
    internal void MarkAuthenticated()
    {
        if (_kex is not null)
        {
            _kex.Authenticated = true;
        }
    }

    internal ValueTask SendUnimplementedAsync(uint sequenceNumber) => _writer.EnqueueAsync(new UnimplementedMessage(sequenceNumber));

    internal ValueTask SendAsync(ISshMessage message, CancellationToken cancellationToken = default) =>
        _writer.EnqueueAsync(message, cancellationToken);

    /// <summary>
    /// Queues SSH_MSG_DISCONNECT now, before the connection winds down. Closing channels first would let a client
    /// such as <c>ssh -W</c> (ProxyJump) exit on the channel close without ever printing why it was disconnected.
    /// <see cref="DisconnectAsync"/> then only flushes. Best effort: with the send queue full, DisconnectAsync sends it.
    /// </summary>
    internal void AnnounceDisconnect(DisconnectReason reason, string description)
    {
        // Before the identification exchange the line must go first; DisconnectAsync covers that case.
        if (ClientVersion is not null && Volatile.Read(ref _disconnectQueued) == 0 && _writer.TryEnqueue(new DisconnectMessage(reason, description)))
        {
            Interlocked.Exchange(ref _disconnectQueued, 1);
        }
    }

    /// <summary>Sends SSH_MSG_DISCONNECT (best effort, unless already announced) and stops sending.</summary>
    public async Task DisconnectAsync(DisconnectReason reason, string description)
    {
        if (Interlocked.Exchange(ref _disconnecting, 1) == 1)
        {
            return;
        }
        try
        {
            if (Interlocked.Exchange(ref _disconnectQueued, 1) == 0)
            {
                await _writer.EnqueueAsync(new DisconnectMessage(reason, description)).AsTask().WaitAsync(TimeSpan.FromSeconds(1)).ConfigureAwait(false);
            }
            _writer.Complete();
            await _writer.Completion.WaitAsync(TimeSpan.FromSeconds(2)).ConfigureAwait(false);
        }
        catch (Exception ex) when (ex is IOException or ObjectDisposedException or TimeoutException or OperationCanceledException or System.Net.Sockets.SocketException)
        {
            // The peer may already be gone; a disconnect is a courtesy.
        }
    }

    private void RekeyIfDue()
    {
        var kex = _kex;
        if (kex is not null && kex.RekeyDue())
        {
            _logger.LogDebug("starting server-initiated rekey after {Sent} bytes sent, {Received} received", _writer.BytesSinceKeyChange, _reader.BytesSinceKeyChange);
            _ = kex.BeginAsync().AsTask();
        }
    }

    public async ValueTask DisposeAsync()
    {
        await _writer.DisposeAsync().ConfigureAwait(false);
        _reader.Dispose();
        _input.Dispose();
    }
}
