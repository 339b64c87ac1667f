using System.Net.Sockets;

namespace Bastion.Gateway;

/// <summary>
/// The connection to a target, owning its socket and the descriptor lease the socket was opened on, so the budget gets
/// the descriptor back exactly when the socket closes, whichever way the channel ends.
/// </summary>
public class TargetStream : NetworkStream
{
    private readonly IDisposable? _descriptor;

    public TargetStream(Socket socket, IDisposable? descriptor)
        : base(socket, ownsSocket: true)
    {
        _descriptor = descriptor;
    }

    protected override void Dispose(bool disposing)
    {
        try
        {
            base.Dispose(disposing);
        }
        finally
        {
            if (disposing)
            {
                _descriptor?.Dispose();
            }
        }
    }
}
