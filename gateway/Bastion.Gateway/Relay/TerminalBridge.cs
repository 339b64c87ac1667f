using Bastion.Core.Recordings;
using Bastion.Ssh.Connection;
using Renci.SshNet;

namespace Bastion.Gateway.Relay;

/// <summary>
/// Moves a recorded session's bytes between the user's session channel and the gateway's own SSH session on the
/// target, handing output to the recorder before the user sees it: in fail-closed mode nothing reaches the user that
/// was not recorded. Ends when the target side ends, the user leaves, or (fail-closed) the recording fails.
/// </summary>
public sealed class TerminalBridge
{
    private const int BufferSize = 32 * 1024;

    /// <summary>Target output SSH.NET may hold for an interactive shell before the target is paused.</summary>
    private const int ShellUnreadLimit = 1024 * 1024;

    private readonly SessionChannel _channel;
    private readonly SessionRecorder? _recorder;
    private readonly long _maxQueuedCommandOutput;
    private readonly TaskCompletionSource _overflow = new(TaskCreationOptions.RunContinuationsAsynchronously);
    private ShellStream? _shell;
    private ReceiveBackpressure? _backpressure;

    /// <param name="maxQueuedCommandOutput">
    /// A command's output SSH.NET may hold unread before the session is closed. Commands cannot be paused like shells:
    /// SSH.NET offers no hook on their channel (see <see cref="ReceiveBackpressure"/>).
    /// </param>
    public TerminalBridge(SessionChannel channel, SessionRecorder? recorder, long maxQueuedCommandOutput)
    {
        _channel = channel;
        _recorder = recorder;
        _maxQueuedCommandOutput = maxQueuedCommandOutput;
    }

    /// <summary>True if a command's output came faster than it could be recorded and the session was closed for it.</summary>
    public bool Overflowed => _overflow.Task.IsCompleted;

    /// <summary>Why the bridge ended, for the audit trail.</summary>
    public string EndReason { get; private set; } = "target closed";

    /// <summary>The terminal changed size: tell the target and the recording.</summary>
    public async ValueTask ResizeAsync(int columns, int rows, int width, int height, CancellationToken ct)
    {
        _shell?.ChangeWindowSize((uint)columns, (uint)rows, (uint)width, (uint)height);
        if (_recorder is not null)
        {
            await _recorder.ResizeAsync(columns, rows, ct).ConfigureAwait(false);
        }
    }

    /// <summary>An interactive shell on a pty. SSH.NET does not report a shell's exit status, so a shell that ends is reported as 0.</summary>
    public async Task<uint> RunShellAsync(SshClient client, PtyRequestSize pty, CancellationToken ct)
    {
        using var stop = CancellationTokenSource.CreateLinkedTokenSource(ct);
        var backpressure = new ReceiveBackpressure(ShellUnreadLimit);
        using var shell = client.CreateShellStream(pty.Term, pty.Columns, pty.Rows, pty.WidthPixels, pty.HeightPixels, BufferSize);
        shell.DataReceived += (_, e) => backpressure.OnReceived(e.Data.Length);
        _backpressure = backpressure;
        _shell = shell;
        var output = PumpOutputOnOwnThread(shell, toStderr: false, stop.Token);
        var input = Task.Run(() => PumpInputAsync(shell, closeOnEof: false, stop.Token), CancellationToken.None);
        try
        {
            await WaitForEndAsync(output, stop.Token).ConfigureAwait(false);
        }
        finally
        {
            backpressure.Release();
        }
        await stop.CancelAsync().ConfigureAwait(false);
        shell.Close();
        await Quietly(input).ConfigureAwait(false);
        await Quietly(output).ConfigureAwait(false);
        return 0;
    }

    /// <summary>A command without a pty: stdout and stderr kept apart, stdin forwarded, the real exit status returned.</summary>
    public async Task<uint> RunCommandAsync(SshClient client, string commandText, CancellationToken ct)
    {
        using var stop = CancellationTokenSource.CreateLinkedTokenSource(ct);
        using var command = client.CreateCommand(commandText);
        var execution = command.ExecuteAsync(stop.Token);
        using var stdin = command.CreateInputStream();
        var stdout = PumpOutputOnOwnThread(command.OutputStream, toStderr: false, stop.Token);
        var stderr = PumpOutputOnOwnThread(command.ExtendedOutputStream, toStderr: true, stop.Token);
        var input = Task.Run(() => PumpInputAsync(stdin, closeOnEof: true, stop.Token), CancellationToken.None);
        await WaitForEndAsync(Task.WhenAll(Quietly(execution), stdout, stderr), stop.Token).ConfigureAwait(false);
        await stop.CancelAsync().ConfigureAwait(false);
        await Quietly(input).ConfigureAwait(false);
        await Quietly(execution).ConfigureAwait(false);
        return execution.IsCompletedSuccessfully && command.ExitStatus is int status ? (uint)status : 255;
    }

    private async Task WaitForEndAsync(Task targetDone, CancellationToken ct)
    {
        var recordingFailed = _recorder is { FailClosed: true } ? _recorder.Failed : Task.Delay(Timeout.Infinite, ct);
        var userLeft = _channel.Closed.WaitAsync(ct);
        var first = await Task.WhenAny(targetDone, userLeft, recordingFailed, _overflow.Task).ConfigureAwait(false);
        if (first == recordingFailed && recordingFailed.IsCompletedSuccessfully)
        {
            EndReason = "recording failed";
        }
        else if (first == _overflow.Task)
        {
            EndReason = "output overflow";
        }
        else if (first == userLeft)
        {
            EndReason = "client closed";
        }
        else if (ct.IsCancellationRequested)
        {
            EndReason = "connection closed";
        }
    }

    /// <summary>
    /// SSH.NET's streams only read synchronously (their ReadAsync is the base class's, which blocks a pool thread), so
    /// each output pump gets a thread of its own rather than tying up the thread pool the SSH server runs on. The read
    /// ends when the target's channel closes or the stream is closed.
    /// </summary>
    private Task PumpOutputOnOwnThread(Stream source, bool toStderr, CancellationToken ct) =>
        Task.Factory.StartNew(() => PumpOutput(source, toStderr, ct), CancellationToken.None, TaskCreationOptions.LongRunning, TaskScheduler.Default);

    private void PumpOutput(Stream source, bool toStderr, CancellationToken ct)
    {
        var buffer = new byte[BufferSize];
        while (!ct.IsCancellationRequested)
        {
            var read = source.Read(buffer, 0, buffer.Length);
            if (read == 0)
            {
                return;
            }
            if (source is ShellStream)
            {
                _backpressure?.OnTaken(read);
            }
            else if (source.Length > _maxQueuedCommandOutput)
            {
                // Only a command's output can pile up here (a shell's target is paused instead): stop before memory does.
                _overflow.TrySetResult();
                return;
            }
            if (!ForwardAsync(buffer.AsMemory(0, read), toStderr, ct).AsTask().GetAwaiter().GetResult())
            {
                return;
            }
        }
    }

    /// <summary>Records, then shows; false when a fail-closed recording has failed and nothing more may be shown.</summary>
    private async ValueTask<bool> ForwardAsync(ReadOnlyMemory<byte> data, bool toStderr, CancellationToken ct)
    {
        if (_recorder is not null)
        {
            await _recorder.OutputAsync(data, ct).ConfigureAwait(false);
            if (_recorder is { HasFailed: true, FailClosed: true })
            {
                return false;
            }
        }
        if (toStderr)
        {
            await _channel.SendExtendedDataAsync(data, ct).ConfigureAwait(false);
        }
        else
        {
            await _channel.SendDataAsync(data, ct).ConfigureAwait(false);
        }
        return true;
    }

    private async Task PumpInputAsync(Stream target, bool closeOnEof, CancellationToken ct)
    {
        var buffer = new byte[BufferSize];
        while (true)
        {
            var read = await _channel.ReadInboundAsync(buffer, ct).ConfigureAwait(false);
            if (read == 0)
            {
                if (closeOnEof)
                {
                    // The user's EOF becomes the command's EOF (e.g. "ssh bastion web-1 cat < file").
                    await target.DisposeAsync().ConfigureAwait(false);
                }
                return;
            }
            var data = buffer.AsMemory(0, read);
            if (_recorder is not null)
            {
                await _recorder.InputAsync(data, ct).ConfigureAwait(false);
            }
            await target.WriteAsync(data, ct).ConfigureAwait(false);
            await target.FlushAsync(ct).ConfigureAwait(false);
        }
    }

    private static async Task Quietly(Task task)
    {
        try
        {
            await task.ConfigureAwait(false);
        }
        catch (Exception)
        {
            // Pumps end by cancellation or by the other side going away; the reason is recorded elsewhere.
        }
    }
}

/// <summary>The terminal the user asked for (pty-req), or a default one.</summary>
public sealed record PtyRequestSize(string Term, uint Columns, uint Rows, uint WidthPixels, uint HeightPixels)
{
    public static PtyRequestSize Default { get; } = new("xterm", 80, 24, 0, 0);
}
