using System.Buffers.Binary;
using System.Diagnostics;
using System.Net;
using System.Net.Sockets;
using System.Security.Cryptography;
using System.Text;

namespace Bastion.Gateway.Tests.Infrastructure;

/// <summary>What a <see cref="RawSshConnection"/> saw while waiting for the server to end the connection.</summary>
/// <param name="Closed">The server closed (EOF or reset) within the time allowed.</param>
/// <param name="Elapsed">Time from the start of the wait until the close (or the timeout).</param>
/// <param name="ServerIdentification">The server's identification line, if it sent one.</param>
/// <param name="MessageNumbers">Plaintext packets the server sent after its identification line (message numbers).</param>
/// <param name="DisconnectReason">SSH_MSG_DISCONNECT reason code, if one was received.</param>
/// <param name="DisconnectDescription">SSH_MSG_DISCONNECT description, if one was received.</param>
/// <param name="Reset">The close was a TCP reset rather than an orderly FIN.</param>
public sealed record CloseObservation(bool Closed, TimeSpan Elapsed, string? ServerIdentification, IReadOnlyList<byte> MessageNumbers,
    uint? DisconnectReason, string? DisconnectDescription, bool Reset)
{
    /// <inheritdoc />
    public override string ToString() =>
        $"closed={Closed} after {Elapsed.TotalMilliseconds:0} ms (reset={Reset}); server id={ServerIdentification ?? "(none)"}; " +
        $"messages=[{string.Join(',', MessageNumbers)}]; disconnect={DisconnectReason?.ToString(System.Globalization.CultureInfo.InvariantCulture) ?? "-"} {DisconnectDescription}";
}

/// <summary>
/// A hand-driven SSH client over a plain TCP socket, for feeding the server malformed input: it sends whatever bytes
/// the test builds (identification lines, packets framed by hand) and watches how the server ends the connection.
/// Before the first key exchange completes SSH packets are plaintext: uint32 packet_length, byte padding_length,
/// payload, padding (≥ 4 bytes; 4 + packet_length a multiple of 8).
/// </summary>
public sealed class RawSshConnection : IAsyncDisposable, IDisposable
{
    /// <summary>SSH_MSG_DISCONNECT.</summary>
    public const byte MsgDisconnect = 1;

    /// <summary>SSH_MSG_SERVICE_REQUEST.</summary>
    public const byte MsgServiceRequest = 5;

    /// <summary>SSH_MSG_KEXINIT.</summary>
    public const byte MsgKexInit = 20;

    /// <summary>SSH_MSG_NEWKEYS.</summary>
    public const byte MsgNewKeys = 21;

    /// <summary>SSH_MSG_KEX_ECDH_INIT.</summary>
    public const byte MsgKexEcdhInit = 30;

    /// <summary>SSH_MSG_CHANNEL_OPEN.</summary>
    public const byte MsgChannelOpen = 90;

    private readonly Socket _socket;
    private readonly List<byte> _received = [];

    private RawSshConnection(Socket socket) => _socket = socket;

    /// <summary>Our end of the connection (the gateway audits it as the source address).</summary>
    public IPEndPoint LocalEndPoint => (IPEndPoint)_socket.LocalEndPoint!;

    /// <summary>Everything received so far.</summary>
    public IReadOnlyList<byte> Received => _received;

    /// <summary>Connects (bounded by 5 s), from <paramref name="source"/> when given (a loopback alias as another client).</summary>
    public static async Task<RawSshConnection> ConnectAsync(IPAddress address, int port, IPAddress? source = null)
    {
        var socket = new Socket(address.AddressFamily, SocketType.Stream, ProtocolType.Tcp) { NoDelay = true };
        using var cts = new CancellationTokenSource(TimeSpan.FromSeconds(5));
        try
        {
            if (source is not null)
            {
                socket.Bind(new IPEndPoint(source, 0));
            }
            await socket.ConnectAsync(new IPEndPoint(address, port), cts.Token).ConfigureAwait(false);
        }
        catch
        {
            socket.Dispose();
            throw;
        }

        return new RawSshConnection(socket);
    }

    /// <summary>Sends raw bytes. A server that already closed may make this fail; that is swallowed (the close is what tests look at).</summary>
    public async Task SendAsync(ReadOnlyMemory<byte> bytes)
    {
        try
        {
            using var cts = new CancellationTokenSource(TimeSpan.FromSeconds(10));
            var sent = 0;
            while (sent < bytes.Length)
            {
                sent += await _socket.SendAsync(bytes[sent..], SocketFlags.None, cts.Token).ConfigureAwait(false);
            }
        }
        catch (SocketException)
        {
        }
        catch (OperationCanceledException)
        {
        }
    }

    /// <summary>Sends ASCII text as is (add "\r\n" yourself).</summary>
    public Task SendTextAsync(string text) => SendAsync(Encoding.ASCII.GetBytes(text));

    /// <summary>Sends "SSH-2.0-test\r\n".</summary>
    public Task SendIdentificationAsync(string line = "SSH-2.0-test") => SendTextAsync(line + "\r\n");

    /// <summary>Sends <paramref name="payload"/> framed as a valid plaintext packet.</summary>
    public Task SendPacketAsync(params byte[] payload) => SendAsync(PlainPacket(payload));

    /// <summary>Closes our sending half (FIN); the server sees end of stream.</summary>
    public void ShutdownSend()
    {
        try
        {
            _socket.Shutdown(SocketShutdown.Send);
        }
        catch (SocketException)
        {
        }
    }

    /// <summary>A well-formed plaintext packet: minimal padding ≥ 4 so that 4 + packet_length is a multiple of 8.</summary>
    public static byte[] PlainPacket(ReadOnlySpan<byte> payload)
    {
        var padding = 8 - ((4 + 1 + payload.Length) % 8);
        if (padding < 4)
        {
            padding += 8;
        }

        var packet = new byte[4 + 1 + payload.Length + padding];
        BinaryPrimitives.WriteUInt32BigEndian(packet, (uint)(1 + payload.Length + padding));
        packet[4] = (byte)padding;
        payload.CopyTo(packet.AsSpan(5));
        RandomNumberGenerator.Fill(packet.AsSpan(5 + payload.Length));
        return packet;
    }

    /// <summary>Bytes with a hand-chosen packet_length and padding_length followed by <paramref name="rest"/> (no checks at all).</summary>
    public static byte[] RawPacket(uint packetLength, byte paddingLength, ReadOnlySpan<byte> rest)
    {
        var bytes = new byte[5 + rest.Length];
        BinaryPrimitives.WriteUInt32BigEndian(bytes, packetLength);
        bytes[4] = paddingLength;
        rest.CopyTo(bytes.AsSpan(5));
        return bytes;
    }

    /// <summary>SSH_MSG_SERVICE_REQUEST "ssh-userauth".</summary>
    public static byte[] ServiceRequest(string service = "ssh-userauth") => [MsgServiceRequest, .. SshString(service)];

    /// <summary>SSH_MSG_CHANNEL_OPEN "session" (sender channel 0, window 2 MiB, max packet 32 KiB).</summary>
    public static byte[] ChannelOpenSession() => [MsgChannelOpen, .. SshString("session"), .. UInt32(0), .. UInt32(2 * 1024 * 1024), .. UInt32(32 * 1024)];

    /// <summary>SSH_MSG_NEWKEYS.</summary>
    public static byte[] NewKeys() => [MsgNewKeys];

    /// <summary>SSH_MSG_KEX_ECDH_INIT with a random 32-byte "public key".</summary>
    public static byte[] KexEcdhInit() => [MsgKexEcdhInit, .. SshString(RandomNumberGenerator.GetBytes(32))];

    /// <summary>A client KEXINIT offering curve25519-sha256 / ssh-ed25519 / aes128-ctr / hmac-sha2-256-etm, optionally strict kex.</summary>
    public static byte[] KexInit(bool strictKex)
    {
        var kex = strictKex ? "curve25519-sha256,kex-strict-c-v00@openssh.com" : "curve25519-sha256";
        var bytes = new List<byte> { MsgKexInit };
        bytes.AddRange(RandomNumberGenerator.GetBytes(16));
        foreach (var list in new[] { kex, "ssh-ed25519", "aes128-ctr", "aes128-ctr", "hmac-sha2-256-etm@openssh.com", "hmac-sha2-256-etm@openssh.com", "none", "none", "", "" })
        {
            bytes.AddRange(SshString(list));
        }

        bytes.Add(0); // first_kex_packet_follows
        bytes.AddRange(UInt32(0));
        return [.. bytes];
    }

    /// <summary>SSH "string" of ASCII text.</summary>
    public static byte[] SshString(string text) => SshString(Encoding.ASCII.GetBytes(text));

    /// <summary>SSH "string": uint32 length + bytes.</summary>
    public static byte[] SshString(byte[] data) => [.. UInt32((uint)data.Length), .. data];

    /// <summary>Big-endian uint32.</summary>
    public static byte[] UInt32(uint value)
    {
        var b = new byte[4];
        BinaryPrimitives.WriteUInt32BigEndian(b, value);
        return b;
    }

    /// <summary>Reads until the server's identification line has arrived (bounded); returns it without CR LF.</summary>
    public async Task<string> ReadServerIdentificationAsync(TimeSpan? timeout = null)
    {
        using var cts = new CancellationTokenSource(timeout ?? TimeSpan.FromSeconds(10));
        var buffer = new byte[4096];
        while (true)
        {
            var newline = _received.IndexOf((byte)'\n');
            if (newline >= 0)
            {
                return Encoding.ASCII.GetString(_received.Take(newline).ToArray()).TrimEnd('\r');
            }

            var n = await _socket.ReceiveAsync(buffer, SocketFlags.None, cts.Token).ConfigureAwait(false);
            if (n == 0)
            {
                throw new IOException("server closed before sending its identification line");
            }

            _received.AddRange(buffer.AsSpan(0, n).ToArray());
        }
    }

    /// <summary>
    /// Reads (and keeps) everything until the server closes the connection or <paramref name="timeout"/> passes;
    /// then parses what arrived: the identification line and the plaintext packets after it (KEXINIT, DISCONNECT…).
    /// </summary>
    public async Task<CloseObservation> WaitForCloseAsync(TimeSpan timeout)
    {
        var sw = Stopwatch.StartNew();
        var closed = false;
        var reset = false;
        var buffer = new byte[64 * 1024];
        using var cts = new CancellationTokenSource(timeout);
        try
        {
            while (true)
            {
                var n = await _socket.ReceiveAsync(buffer, SocketFlags.None, cts.Token).ConfigureAwait(false);
                if (n == 0)
                {
                    closed = true;
                    break;
                }

                if (_received.Count < 16 * 1024 * 1024)
                {
                    _received.AddRange(buffer.AsSpan(0, n).ToArray());
                }
            }
        }
        catch (OperationCanceledException)
        {
        }
        catch (SocketException ex) when (ex.SocketErrorCode is SocketError.ConnectionReset or SocketError.ConnectionAborted or SocketError.Shutdown)
        {
            closed = true;
            reset = true;
        }

        var elapsed = sw.Elapsed;
        var (id, messages, reason, description) = Parse(_received.ToArray());
        return new CloseObservation(closed, elapsed, id, messages, reason, description, reset);
    }

    private static (string? Id, List<byte> Messages, uint? Reason, string? Description) Parse(byte[] data)
    {
        var messages = new List<byte>();
        var newline = Array.IndexOf(data, (byte)'\n');
        if (newline < 0)
        {
            return (null, messages, null, null);
        }

        var id = Encoding.ASCII.GetString(data, 0, newline).TrimEnd('\r');
        uint? reason = null;
        string? description = null;
        var offset = newline + 1;
        while (data.Length - offset >= 6)
        {
            var length = BinaryPrimitives.ReadUInt32BigEndian(data.AsSpan(offset));
            if (length < 2 || length > 256 * 1024 || data.Length - offset - 4 < length)
            {
                break;
            }

            var padding = data[offset + 4];
            var payload = data.AsSpan(offset + 5, (int)length - 1 - Math.Min(padding, (int)length - 1));
            if (payload.Length > 0)
            {
                messages.Add(payload[0]);
                if (payload[0] == MsgDisconnect && payload.Length >= 9)
                {
                    reason = BinaryPrimitives.ReadUInt32BigEndian(payload[1..]);
                    var textLength = (int)Math.Min(BinaryPrimitives.ReadUInt32BigEndian(payload[5..]), (uint)(payload.Length - 9));
                    description = Encoding.UTF8.GetString(payload.Slice(9, textLength));
                }
            }

            offset += 4 + (int)length;
        }

        return (id, messages, reason, description);
    }

    /// <inheritdoc />
    public void Dispose() => _socket.Dispose();

    /// <inheritdoc />
    public ValueTask DisposeAsync()
    {
        _socket.Dispose();
        return ValueTask.CompletedTask;
    }
}

/// <summary>Memory figures of a process from /proc/PID/status.</summary>
public static class ProcessMemory
{
    /// <summary>VmRSS (resident set) in KiB.</summary>
    public static long RssKiB(int pid) => Field(pid, "VmRSS:");

    /// <summary>VmHWM (peak resident set) in KiB.</summary>
    public static long PeakRssKiB(int pid) => Field(pid, "VmHWM:");

    /// <summary>The dotnet process of a gateway started through setsid (the pid itself, or its dotnet descendant).</summary>
    public static int DotnetProcessOf(int pid)
    {
        foreach (var candidate in new[] { pid }.Concat(NativeProcess.Descendants(pid)))
        {
            var comm = File.Exists($"/proc/{candidate}/comm") ? File.ReadAllText($"/proc/{candidate}/comm").Trim() : "";
            if (comm == "dotnet")
            {
                return candidate;
            }
        }

        throw new InvalidOperationException($"no dotnet process at or below pid {pid}");
    }

    private static long Field(int pid, string name)
    {
        var line = File.ReadLines($"/proc/{pid}/status").FirstOrDefault(l => l.StartsWith(name, StringComparison.Ordinal))
                   ?? throw new InvalidOperationException($"/proc/{pid}/status has no {name}");
        return long.Parse(line[name.Length..].Trim().Split(' ')[0], System.Globalization.CultureInfo.InvariantCulture);
    }
}
