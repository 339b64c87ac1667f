using Bastion.Ssh.Messages;

namespace Bastion.Ssh.Connection;

/// <summary>
/// The application's side of a "session" channel. Requests arrive in order; for shell/exec/subsystem the handler
/// starts its work (usually a task writing to <see cref="SessionChannel"/>) and returns whether it accepted.
/// </summary>
public interface ISessionChannelHandler
{
    ValueTask<bool> OnRequestAsync(SessionChannel channel, ChannelRequestDetails request, CancellationToken cancellationToken);

    /// <summary>The channel is gone (closed by either side or the connection ended).</summary>
    ValueTask OnClosedAsync(SessionChannel channel);
}
