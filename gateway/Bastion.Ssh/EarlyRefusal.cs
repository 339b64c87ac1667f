using System.Net.Sockets;
using System.Text;
using Bastion.Ssh.Messages;
using Bastion.Ssh.Wire;

namespace Bastion.Ssh;

/// <summary>
/// Turns a connection away before the key exchange, with a sentence the client shows: our identification line, then
/// SSH_MSG_DISCONNECT in a plaintext packet (allowed before the first NEWKEYS; OpenSSH prints "Received disconnect
/// from …: MESSAGE"). Costs no cryptography, so refusing a flood stays cheap. The client's own bytes are read and dropped
/// for a moment before closing, so the close is a FIN after our words rather than a reset that could discard them.
/// </summary>
internal sealed class EarlyRefusal
{
    private static readonly TimeSpan Linger = TimeSpan.FromSeconds(2);

    /// <summary>Refusals being written at once; beyond this the socket is just closed (a flood gets no sentences).</summary>
    private const int MaxInFlight = 256;

    private int _inFlight;

    /// <summary>Writes the refusal in the background; <paramref name="lease"/> (a descriptor a refusal at the open-file limit borrows) is given back when the socket closes.</summary>
    public void Refuse(Socket socket, string softwareVersion, string message, IDisposable? lease = null)
    {
        if (Interlocked.Increment(ref _inFlight) > MaxInFlight)
        {
            Interlocked.Decrement(ref _inFlight);
            socket.Dispose();
            lease?.Dispose();
            return;
        }
        _ = RefuseAsync(socket, softwareVersion, message, lease);
    }

    private async Task RefuseAsync(Socket socket, string softwareVersion, string message, IDisposable? lease)
    {
        try
        {
            using var timeout = new CancellationTokenSource(Linger);
            await socket.SendAsync(Build(softwareVersion, message), SocketFlags.None, timeout.Token).ConfigureAwait(false);
            socket.Shutdown(SocketShutdown.Send);
            var sink = new byte[4096];
            while (await socket.ReceiveAsync(sink, SocketFlags.None, timeout.Token).ConfigureAwait(false) > 0)
            {
            }
        }
        catch (Exception ex) when (ex is SocketException or OperationCanceledException or ObjectDisposedException)
        {
            // The client left first, or lingered: either way there is nothing more to tell it.
        }
        finally
        {
            socket.Dispose();
            lease?.Dispose();
            Interlocked.Decrement(ref _inFlight);
        }
    }

    /// <summary>"SSH-2.0-VERSION\r\n" and one unencrypted packet: uint32 length, byte padding length, payload, padding.</summary>
    internal static byte[] Build(string softwareVersion, string message)
    {
        using var payload = new SshWriter();
        payload.WriteByte(MessageNumber.Disconnect);
        payload.WriteUInt32((uint)DisconnectReason.HostNotAllowedToConnect);
        payload.WriteString(message.Length <= 400 ? message : message[..400]);
        payload.WriteString("");
        var body = payload.ToArray();
        var padding = 8 - ((5 + body.Length) % 8);
        if (padding < 4)
        {
            padding += 8;
        }
        using var packet = new SshWriter();
        packet.WriteBytes(Encoding.ASCII.GetBytes($"SSH-2.0-{softwareVersion}\r\n"));
        packet.WriteUInt32((uint)(1 + body.Length + padding));
        packet.WriteByte((byte)padding);
        packet.WriteBytes(body);
        packet.WriteBytes(new byte[padding]);
        return packet.ToArray();
    }
}
