using System.Net.Sockets;

namespace Bastion.Gateway;

/// <summary>The target did not accept a TCP connection; the message completes "web-1 (10.0.0.5:22) …".</summary>
public sealed class TargetUnreachableException : Exception
{
    public TargetUnreachableException(string message, Exception? inner = null) : base(message, inner) { }
}

/// <summary>Opens the TCP connection to a target with a deadline.</summary>
public static class TargetConnector
{
    /// <param name="wrap">Makes the stream over the connected socket (e.g. one that counts bytes); default a plain NetworkStream.</param>
    public static async Task<NetworkStream> ConnectAsync(string host, int port, TimeSpan timeout, CancellationToken cancellationToken, Func<Socket, NetworkStream>? wrap = null)
    {
        using var deadline = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        deadline.CancelAfter(timeout);
        var socket = new Socket(SocketType.Stream, ProtocolType.Tcp) { NoDelay = true };
        try
        {
            await socket.ConnectAsync(host, port, deadline.Token).ConfigureAwait(false);
            return wrap is null ? new NetworkStream(socket, ownsSocket: true) : wrap(socket);
        }
        catch (OperationCanceledException) when (!cancellationToken.IsCancellationRequested)
        {
            socket.Dispose();
            throw new TargetUnreachableException($"did not answer within {timeout.TotalSeconds:0} s; is the instance running and its security group open to the bastion?");
        }
        catch (SocketException ex)
        {
            socket.Dispose();
            var why = ex.SocketErrorCode switch
            {
                SocketError.ConnectionRefused => "refused the connection; is sshd running on it?",
                SocketError.HostUnreachable or SocketError.NetworkUnreachable => "is unreachable from the bastion (routing or peering)",
                SocketError.HostNotFound or SocketError.NoData => "has a host name that does not resolve",
                _ => $"could not be reached ({ex.SocketErrorCode})",
            };
            throw new TargetUnreachableException(why, ex);
        }
    }
}
