using System.Text;
using Bastion.Ssh.Messages;
using Bastion.Ssh.Transport;

namespace Bastion.Ssh.Connection;

/// <summary>A "session" channel (RFC 4254 §6): remembers the pty and environment, and offers stdout/stderr/exit to the handler.</summary>
public sealed class SessionChannel : SshChannel
{
    private const int MaxEnvironmentVariables = 64;

    private readonly ISessionChannelHandler _handler;
    private readonly Dictionary<string, string> _environment = new(StringComparer.Ordinal);
    private int _disposed;

    internal SessionChannel(PacketWriter writer, uint localId, ChannelOpenMessage open, SshServerOptions options, ISessionChannelHandler handler)
        : base(writer, localId, open.SenderChannel, open.InitialWindowSize, open.MaximumPacketSize, options.ChannelWindowSize, options.ChannelMaxPacketSize)
    {
        _handler = handler;
    }

    /// <summary>The terminal requested with pty-req, if any; lines written to a pty need "\r\n".</summary>
    public PtyRequest? Pty { get; private set; }

    public IReadOnlyDictionary<string, string> Environment => _environment;

    /// <summary>Cancelled when the channel or connection closes.</summary>
    public CancellationToken Closing { get; private set; }

    public ValueTask WriteAsync(string text, CancellationToken cancellationToken) =>
        SendDataAsync(Encoding.UTF8.GetBytes(Pty is null ? text : text.ReplaceLineEndings("\r\n")), cancellationToken);

    public ValueTask WriteErrorAsync(string text, CancellationToken cancellationToken) =>
        SendExtendedDataAsync(Encoding.UTF8.GetBytes(Pty is null ? text : text.ReplaceLineEndings("\r\n")), cancellationToken);

    /// <summary>Sends exit-status, EOF and CLOSE: what a finished command looks like to the client.</summary>
    public async ValueTask ExitAsync(uint exitStatus)
    {
        await SendRequestAsync(new ExitStatusRequest(exitStatus)).ConfigureAwait(false);
        await SendEofAsync().ConfigureAwait(false);
        await CloseAsync().ConfigureAwait(false);
    }

    internal override void Start(CancellationToken connectionClosing) => Closing = connectionClosing;

    internal override async ValueTask<bool> OnRequestAsync(ChannelRequestDetails request, CancellationToken cancellationToken)
    {
        switch (request)
        {
            case PtyRequest pty:
                if (pty.Term.Length > 64 || pty.Modes.Length > 1024)
                {
                    return false;
                }
                // Kept only if the handler grants it: a refused pty-req leaves the session without a terminal.
                var granted = await _handler.OnRequestAsync(this, request, cancellationToken).ConfigureAwait(false);
                if (granted)
                {
                    Pty = pty;
                }
                return granted;
            case EnvRequest env:
                if (_environment.Count >= MaxEnvironmentVariables && !_environment.ContainsKey(env.Name))
                {
                    return false;
                }
                _environment[env.Name] = env.Value;
                break;
            case WindowChangeRequest change when Pty is not null:
                Pty = Pty with { Columns = change.Columns, Rows = change.Rows, WidthPixels = change.WidthPixels, HeightPixels = change.HeightPixels };
                break;
        }
        return await _handler.OnRequestAsync(this, request, cancellationToken).ConfigureAwait(false);
    }

    internal override async ValueTask DisposeAsync(string reason)
    {
        if (Interlocked.Exchange(ref _disposed, 1) == 1)
        {
            return;
        }
        await base.DisposeAsync(reason).ConfigureAwait(false);
        await _handler.OnClosedAsync(this).ConfigureAwait(false);
    }
}
