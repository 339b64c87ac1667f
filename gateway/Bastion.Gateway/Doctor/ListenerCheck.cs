using System.Net;
using System.Net.Sockets;
using System.Text;
using Bastion.Hosting.Configuration;
using static Bastion.Core.Security.TerminalText;

namespace Bastion.Gateway.Doctor;

/// <summary>Is a gateway answering on the configured address? Reads its identification line and goes.</summary>
public static class ListenerCheck
{
    private static readonly TimeSpan Timeout = TimeSpan.FromSeconds(3);

    public static async Task<DoctorFinding> RunAsync(SshOptions ssh, CancellationToken cancellationToken)
    {
        const string check = "listener";
        var address = IPAddress.Parse(ssh.ListenAddress);
        // A wildcard listener is reachable on loopback; asking there keeps doctor off the network.
        if (address.Equals(IPAddress.Any))
        {
            address = IPAddress.Loopback;
        }
        else if (address.Equals(IPAddress.IPv6Any))
        {
            address = IPAddress.IPv6Loopback;
        }
        var endPoint = new IPEndPoint(address, ssh.Port);
        using var timeout = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        timeout.CancelAfter(Timeout);
        try
        {
            using var client = new TcpClient(address.AddressFamily);
            await client.ConnectAsync(endPoint, timeout.Token).ConfigureAwait(false);
            var line = await ReadLineAsync(client.GetStream(), timeout.Token).ConfigureAwait(false);
            if (!line.StartsWith("SSH-2.0-", StringComparison.Ordinal))
            {
                // Whatever holds the port wrote this line; it reaches the on-call's terminal escaped.
                return DoctorFinding.Fail(check, $"{endPoint} answered \"{Visible(line)}\", not SSH; is another service on Bastion:Ssh:Port?");
            }
            return line.StartsWith("SSH-2.0-Bastion", StringComparison.Ordinal)
                ? DoctorFinding.Ok(check, $"{endPoint} answers {Visible(line)}")
                : DoctorFinding.Warn(check, $"{endPoint} answers {Visible(line)}, which is not this gateway; another SSH server holds the port");
        }
        catch (SocketException ex) when (ex.SocketErrorCode == SocketError.ConnectionRefused)
        {
            return DoctorFinding.Fail(check, $"nothing listens on {endPoint}; is the gateway running? systemctl status bastion-gateway; journalctl -u bastion-gateway");
        }
        catch (Exception ex) when (ex is SocketException or IOException or OperationCanceledException)
        {
            return DoctorFinding.Fail(check, $"{endPoint} did not send an SSH identification line within {Timeout.TotalSeconds:0} s ({ex.Message}); the gateway may be overloaded or hung: journalctl -u bastion-gateway");
        }
    }

    /// <summary>The first line, at most 255 bytes (RFC 4253 §4.2).</summary>
    private static async Task<string> ReadLineAsync(NetworkStream stream, CancellationToken cancellationToken)
    {
        var buffer = new byte[255];
        var length = 0;
        while (length < buffer.Length)
        {
            var read = await stream.ReadAsync(buffer.AsMemory(length, 1), cancellationToken).ConfigureAwait(false);
            if (read == 0 || buffer[length] == (byte)'\n')
            {
                break;
            }
            length++;
        }
        return Encoding.ASCII.GetString(buffer, 0, length).TrimEnd('\r');
    }
}
