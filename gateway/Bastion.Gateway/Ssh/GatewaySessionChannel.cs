using System.Collections.Frozen;
using Bastion.Gateway.Hosting;
using Bastion.Ssh.Connection;
using Bastion.Ssh.Messages;

namespace Bastion.Gateway.Ssh;

/// <summary>
/// A "session" channel on the gateway: "ssh bastion" (a shell, no command, or "list") lists the user's targets;
/// "ssh bastion [user@]TARGET [COMMAND]" (exec) is a recorded session on that target. The gateway has no shell.
/// </summary>
public sealed class GatewaySessionChannel : ISessionChannelHandler
{
    private readonly BastionContext _context;
    private readonly ConnectionState _state;
    private readonly Observability.GatewayMetrics? _metrics;

    /// <summary>"ssh bastion list" (or help) shows the listing; a target with such a name is reached as USER@NAME.</summary>
    private static readonly FrozenSet<string> ListingCommands = new[] { "list", "help", "targets" }.ToFrozenSet(StringComparer.OrdinalIgnoreCase);

    private readonly IDisposable? _capLease;
    private readonly Bastion.Ssh.Resources.DescriptorBudget? _descriptors;
    private RecordedSession? _recorded;
    private int _started;

    /// <param name="capLease">This channel's count against its user's caps (Bastion:Limits); released when the channel closes.</param>
    /// <param name="descriptors">The process's descriptor budget, which a recorded session's connection to its target draws on.</param>
    public GatewaySessionChannel(BastionContext context, ConnectionState state, Observability.GatewayMetrics? metrics = null, IDisposable? capLease = null,
        Bastion.Ssh.Resources.DescriptorBudget? descriptors = null)
    {
        _descriptors = descriptors;
        _context = context;
        _state = state;
        _metrics = metrics;
        _capLease = capLease;
    }

    public async ValueTask<bool> OnRequestAsync(SessionChannel channel, ChannelRequestDetails request, CancellationToken cancellationToken)
    {
        Task ListTargets() => new TargetListingSession(_context, _state).WriteListingAsync(channel, cancellationToken);
        switch (request)
        {
            case PtyRequest when _state.KeyRestrictions?.PtyRefusal() is { } refusal:
                await RefusePtyAsync(channel, refusal, cancellationToken).ConfigureAwait(false);
                return false;
            case PtyRequest or EnvRequest:
                return true;
            case WindowChangeRequest change:
                if (_recorded is { } recorded)
                {
                    await recorded.ResizeAsync((int)change.Columns, (int)change.Rows, (int)change.WidthPixels, (int)change.HeightPixels, cancellationToken).ConfigureAwait(false);
                }
                return true;
            case ShellRequest:
                return StartOnce(ListTargets);
            case ExecRequest exec when ListingCommands.Contains(exec.Command.Trim()):
                return StartOnce(ListTargets);
            case ExecRequest exec:
                if (!RecordedCommand.TryParse(exec.Command, out var command, out var error))
                {
                    return StartOnce(error is null ? ListTargets : () => RefuseAsync(channel, error, cancellationToken));
                }
                var session = new RecordedSession(_context, _state, _metrics, _descriptors);
                _recorded = session;
                return StartOnce(() => session.RunAsync(channel, command!, cancellationToken));
            default:
                return false;
        }
    }

    public ValueTask OnClosedAsync(SessionChannel channel)
    {
        _capLease?.Dispose();
        return ValueTask.CompletedTask;
    }

    private bool StartOnce(Func<Task> work)
    {
        if (Interlocked.Exchange(ref _started, 1) != 0)
        {
            return false;
        }
        _state.TrackChannelWork(Task.Run(work, CancellationToken.None));
        return true;
    }

    /// <summary>
    /// no-pty / restrict: the request fails as with sshd (ssh prints "PTY allocation request failed"; it gives up when the
    /// terminal was asked for with -t, and goes on without one otherwise). The line on stderr says which option did it
    /// and what to do; the trail keeps it.
    /// </summary>
    private async Task RefusePtyAsync(SessionChannel channel, Bastion.Core.Keys.KeyRefusal refusal, CancellationToken cancellationToken)
    {
        await _context.Audit.AppendAsync(_state.Event(Bastion.Core.Audit.AuditEventTypes.ChannelDenied, Bastion.Core.Audit.AuditSeverity.Warning,
            new Dictionary<string, string>
            {
                ["requested"] = "pty-req",
                ["mode"] = "session",
                ["reason"] = refusal.Reason,
                ["key_option"] = refusal.Option,
            }), cancellationToken).ConfigureAwait(false);
        // Written in the background: a write waits for the client's window, and the window comes through the read loop
        // this callback runs on (a client that opened the channel with a window of 0 would hold it forever).
        var line = $"Bastion: {refusal.Reason}; run it without -t (commands work without a terminal), or ask a Bastion administrator if this key needs one.\n";
        _state.TrackChannelWork(Task.Run(async () =>
        {
            try
            {
                await channel.WriteErrorAsync(line, cancellationToken).ConfigureAwait(false);
            }
            catch (Exception ex) when (ex is OperationCanceledException or ObjectDisposedException or InvalidOperationException)
            {
                // The client left first.
            }
        }, CancellationToken.None));
    }

    private static async Task RefuseAsync(SessionChannel channel, string error, CancellationToken cancellationToken)
    {
        try
        {
            // The error quotes the command the client sent.
            await channel.WriteErrorAsync(ClientText.Line($"Bastion: {error}"), cancellationToken).ConfigureAwait(false);
            await channel.ExitAsync(2).ConfigureAwait(false);
        }
        catch (OperationCanceledException)
        {
            // The client left first.
        }
    }
}
