using System.Security.Cryptography;
using Bastion.Ssh.Algorithms.Ciphers;
using Bastion.Ssh.Algorithms.KeyExchange;
using Bastion.Ssh.Messages;
using Bastion.Ssh.Wire;

namespace Bastion.Ssh.Transport;

/// <summary>
/// The server side of key exchange and re-exchange (RFC 4253 §7–8, RFC 8731), including OpenSSH strict kex
/// (PROTOCOL, "kex-strict-s-v00@openssh.com", the Terrapin fix) and RFC 8308 ext-info. Driven by the reader
/// loop: it sees every kex message in order and enqueues its answers on the writer.
/// </summary>
internal sealed class KeyExchangeDriver
{
    private const string StrictKexClient = "kex-strict-c-v00@openssh.com";
    private const string StrictKexServer = "kex-strict-s-v00@openssh.com";

    private readonly SshServerOptions _options;
    private readonly PacketReader _reader;
    private readonly PacketWriter _writer;
    private readonly string _clientVersion;
    private readonly string _serverVersion;
    private readonly Func<IReadOnlyList<string>> _serverSignatureAlgorithms;
    private readonly object _gate = new();

    private byte[]? _ourKexInit;
    private KexInitMessage? _theirKexInit;
    private byte[]? _theirKexInitPayload;
    private NegotiatedAlgorithms? _pending;
    private IPacketProtection? _pendingInbound;
    private bool _ignoreNextKexPacket;
    private State _state = State.Idle;
    private DateTimeOffset _lastKexTime;
    private int _clientRekeysBeforeAuth;
    private string? _ourFirstKex;
    private string? _ourFirstHostKey;

    public KeyExchangeDriver(SshServerOptions options, PacketReader reader, PacketWriter writer,
        string clientVersion, string serverVersion, Func<IReadOnlyList<string>> serverSignatureAlgorithms)
    {
        _options = options;
        _reader = reader;
        _writer = writer;
        _clientVersion = clientVersion;
        _serverVersion = serverVersion;
        _serverSignatureAlgorithms = serverSignatureAlgorithms;
        _lastKexTime = options.TimeProvider.GetUtcNow();
    }

    private enum State { Idle, SentKexInit, AwaitingInit, AwaitingNewKeys }

    public byte[]? SessionId { get; private set; }

    public bool StrictKex { get; private set; }

    public bool ClientSupportsExtInfo { get; private set; }

    public int Completed { get; private set; }

    public NegotiatedAlgorithms? Current { get; private set; }

    /// <summary>Set once the user has authenticated: from then on the client's re-exchanges are paced, not refused.</summary>
    public bool Authenticated { get; set; }

    /// <summary>True from the moment either side's KEXINIT is known until our inbound NEWKEYS.</summary>
    public bool InProgress
    {
        get
        {
            lock (_gate)
            {
                return _state != State.Idle;
            }
        }
    }

    /// <summary>Raised in the reader loop when a key exchange finishes (inbound NEWKEYS).</summary>
    public event Action<NegotiatedAlgorithms, TimeSpan>? KeyExchangeCompleted;

    private long _kexStartTimestamp;

    /// <summary>Sends our KEXINIT unless one is already out. Safe from any thread (the writer triggers rekeys).</summary>
    public ValueTask BeginAsync()
    {
        lock (_gate)
        {
            if (_state != State.Idle)
            {
                return ValueTask.CompletedTask;
            }
            _state = State.SentKexInit;
            _kexStartTimestamp = _options.TimeProvider.GetTimestamp();
            var message = BuildKexInit();
            using var writer = new SshWriter();
            message.Write(writer);
            _ourKexInit = writer.ToArray();
            return _writer.EnqueueAsync(OutboundPacket.From(message));
        }
    }

    /// <summary>Whether the byte or time limits call for a server-initiated rekey.</summary>
    public bool RekeyDue() =>
        Completed > 0 && !InProgress &&
        (_reader.BytesSinceKeyChange + _writer.BytesSinceKeyChange >= _options.RekeyAfterBytes ||
         _options.TimeProvider.GetUtcNow() - _lastKexTime >= _options.RekeyAfterTime);

    /// <summary>Handles a kex-range message (20–49) read by the reader loop.</summary>
    public async ValueTask HandleAsync(ReceivedPacket packet)
    {
        var payload = packet.Payload.Span;
        if (_ignoreNextKexPacket && packet.Number != MessageNumber.KexInit && packet.Number != MessageNumber.NewKeys)
        {
            // RFC 4253 §7: the client guessed the kex method wrong; its guessed packet is dropped.
            _ignoreNextKexPacket = false;
            return;
        }
        switch (packet.Number)
        {
            case MessageNumber.KexInit:
                await OnKexInitAsync(KexInitMessage.Read(payload), payload.ToArray(), packet.SequenceNumber).ConfigureAwait(false);
                break;
            case MessageNumber.KexEcdhInit:
                await OnKexEcdhInitAsync(KexEcdhInitMessage.Read(payload)).ConfigureAwait(false);
                break;
            case MessageNumber.NewKeys:
                OnNewKeys(NewKeysMessage.Read(payload));
                break;
            default:
                throw new SshProtocolException($"unexpected key exchange message {packet.Number}");
        }
    }

    private async ValueTask OnKexInitAsync(KexInitMessage message, byte[] payload, uint sequenceNumber)
    {
        if (_state is State.AwaitingInit or State.AwaitingNewKeys)
        {
            throw new SshProtocolException("KEXINIT received while a key exchange is already running");
        }
        var first = SessionId is null;
        if (first && message.KexAlgorithms.Contains(StrictKexClient))
        {
            StrictKex = true;
            if (sequenceNumber != 0)
            {
                throw new SshProtocolException("strict key exchange: KEXINIT must be the first packet");
            }
        }
        if (first)
        {
            ClientSupportsExtInfo = message.KexAlgorithms.Contains("ext-info-c");
        }
        else if (_state == State.Idle)
        {
            await PaceClientRekeyAsync().ConfigureAwait(false);
        }
        await BeginAsync().ConfigureAwait(false);
        var negotiated = NegotiatedAlgorithms.Negotiate(message, _options.Algorithms, _options.HostKeys);
        lock (_gate)
        {
            _theirKexInit = message;
            _theirKexInitPayload = payload;
            _pending = negotiated;
            _state = State.AwaitingInit;
        }
        if (message.FirstKexPacketFollows)
        {
            // RFC 4253 §7: the guess is right only when both sides list the same kex and host-key algorithm first,
            // not when the client's first choice merely wins the negotiation; the client judges it the same way and
            // sends its packet again after a wrong guess.
            var guessRight = message.KexAlgorithms.FirstOrDefault() == _ourFirstKex &&
                             message.ServerHostKeyAlgorithms.FirstOrDefault() == _ourFirstHostKey;
            _ignoreNextKexPacket = !guessRight;
        }
    }

    /// <summary>
    /// A re-exchange the client started: before authentication only <see cref="SshServerOptions.MaxClientRekeysBeforeAuth"/>
    /// of them; after it, at most one per <see cref="SshServerOptions.ClientRekeyInterval"/> unless data justifies it.
    /// Waiting here holds only this connection: the client sends nothing but kex messages until the exchange ends.
    /// </summary>
    private async ValueTask PaceClientRekeyAsync()
    {
        if (!Authenticated)
        {
            if (++_clientRekeysBeforeAuth > _options.MaxClientRekeysBeforeAuth)
            {
                throw new SshProtocolException(
                    $"the client started more than {_options.MaxClientRekeysBeforeAuth} key re-exchange(s) before authenticating");
            }
            return;
        }
        var moved = _reader.BytesSinceKeyChange + _writer.BytesSinceKeyChange;
        var wait = _lastKexTime + _options.ClientRekeyInterval - _options.TimeProvider.GetUtcNow();
        if (wait > TimeSpan.Zero && moved < _options.ClientRekeyAllowanceBytes)
        {
            await Task.Delay(wait, _options.TimeProvider).ConfigureAwait(false);
        }
    }

    private async ValueTask OnKexEcdhInitAsync(KexEcdhInitMessage message)
    {
        NegotiatedAlgorithms negotiated;
        lock (_gate)
        {
            if (_state != State.AwaitingInit || _pending is null)
            {
                throw new SshProtocolException("KEX_ECDH_INIT received outside a key exchange");
            }
            negotiated = _pending;
        }
        using var exchange = negotiated.KeyExchangeAlgorithm.CreateServer();
        var result = exchange.Respond(message.ClientPublic);
        var hostKey = negotiated.HostKey;
        var hostKeyBlob = hostKey.PublicKeyBlob;
        byte[] exchangeHash;
        using (var h = new SshWriter(2048))
        {
            h.WriteString(System.Text.Encoding.ASCII.GetBytes(_clientVersion));
            h.WriteString(System.Text.Encoding.ASCII.GetBytes(_serverVersion));
            h.WriteString(_theirKexInitPayload);
            h.WriteString(_ourKexInit);
            h.WriteString(hostKeyBlob);
            h.WriteString(message.ClientPublic);
            h.WriteString(result.ServerPublic);
            h.WriteBytes(result.EncodedSharedSecret);
            exchangeHash = negotiated.KeyExchangeAlgorithm.Hash(h.WrittenSpan);
        }
        var sessionId = SessionId ?? exchangeHash;
        var signature = hostKey.Sign(negotiated.HostKeyAlgorithm, exchangeHash);

        var outbound = CreateProtection(negotiated, negotiated.OutboundCipher, negotiated.OutboundMac, result.EncodedSharedSecret, exchangeHash, sessionId, 'B', 'D', 'F');
        var inbound = CreateProtection(negotiated, negotiated.InboundCipher, negotiated.InboundMac, result.EncodedSharedSecret, exchangeHash, sessionId, 'A', 'C', 'E');
        CryptographicOperations.ZeroMemory(result.EncodedSharedSecret);

        var strict = StrictKex;
        lock (_gate)
        {
            SessionId = sessionId;
            _pendingInbound = inbound;
            _state = State.AwaitingNewKeys;
        }
        await _writer.EnqueueAsync(new KexEcdhReplyMessage(hostKeyBlob, result.ServerPublic, signature)).ConfigureAwait(false);
        await _writer.EnqueueAsync(OutboundPacket.From(new NewKeysMessage(), () => _writer.ChangeProtection(outbound, strict))).ConfigureAwait(false);
        if (Completed == 0 && ClientSupportsExtInfo)
        {
            await _writer.EnqueueAsync(new ExtInfoMessage(
            [
                new("server-sig-algs", System.Text.Encoding.ASCII.GetBytes(string.Join(",", _serverSignatureAlgorithms()))),
            ])).ConfigureAwait(false);
        }
    }

    private void OnNewKeys(NewKeysMessage _)
    {
        NegotiatedAlgorithms negotiated;
        IPacketProtection inbound;
        lock (_gate)
        {
            if (_state != State.AwaitingNewKeys || _pendingInbound is null || _pending is null)
            {
                throw new SshProtocolException("NEWKEYS received before the key exchange reply");
            }
            inbound = _pendingInbound;
            negotiated = _pending;
            _pendingInbound = null;
            _pending = null;
            _theirKexInit = null;
            _theirKexInitPayload = null;
            _ourKexInit = null;
            _state = State.Idle;
        }
        _reader.ChangeProtection(inbound, StrictKex);
        Completed++;
        Current = negotiated;
        _lastKexTime = _options.TimeProvider.GetUtcNow();
        KeyExchangeCompleted?.Invoke(negotiated, _options.TimeProvider.GetElapsedTime(_kexStartTimestamp));
    }

    private static IPacketProtection CreateProtection(NegotiatedAlgorithms negotiated, CipherAlgorithm cipher, Algorithms.Macs.MacAlgorithm? mac,
        byte[] sharedSecret, byte[] exchangeHash, byte[] sessionId, char ivLetter, char keyLetter, char macLetter)
    {
        var kex = negotiated.KeyExchangeAlgorithm;
        var iv = KeyDerivation.Derive(kex, sharedSecret, exchangeHash, ivLetter, sessionId, cipher.IvLength);
        var key = KeyDerivation.Derive(kex, sharedSecret, exchangeHash, keyLetter, sessionId, cipher.KeyLength);
        var macKey = mac is null ? [] : KeyDerivation.Derive(kex, sharedSecret, exchangeHash, macLetter, sessionId, mac.KeyLength);
        try
        {
            return cipher.Create(key, iv, mac, macKey);
        }
        finally
        {
            CryptographicOperations.ZeroMemory(key);
            CryptographicOperations.ZeroMemory(macKey);
        }
    }

    private KexInitMessage BuildKexInit()
    {
        var table = _options.Algorithms;
        var kex = table.KeyExchanges.Select(k => k.Name).ToList();
        if (SessionId is null)
        {
            // Markers belong in the first KEXINIT only.
            kex.Add("ext-info-s");
            kex.Add(StrictKexServer);
        }
        var ciphers = table.Ciphers.Select(c => c.Name).ToArray();
        var macs = table.Macs.Select(m => m.Name).ToArray();
        var hostKeys = _options.HostKeys.SelectMany(k => k.SignatureAlgorithms).Distinct().ToArray();
        _ourFirstKex = kex.FirstOrDefault();
        _ourFirstHostKey = hostKeys.FirstOrDefault();
        return new KexInitMessage
        {
            Cookie = RandomNumberGenerator.GetBytes(16),
            KexAlgorithms = kex.ToArray(),
            ServerHostKeyAlgorithms = hostKeys,
            CiphersClientToServer = ciphers,
            CiphersServerToClient = ciphers,
            MacsClientToServer = macs,
            MacsServerToClient = macs,
            CompressionClientToServer = ["none"],
            CompressionServerToClient = ["none"],
        };
    }
}
