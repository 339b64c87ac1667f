using System.Diagnostics;
using System.Text;

namespace Bastion.Gateway.Tests.Infrastructure;

/// <summary>
/// A long-running process (sshd, the gateway) started through <c>setsid</c> with stdout and stderr captured into one
/// in-memory log (capped at 8 MiB). <see cref="StopAsync"/> / Dispose end it and every descendant.
/// </summary>
public sealed class BackgroundProcess : IAsyncDisposable, IDisposable
{
    private const int MaxLogChars = 8 * 1024 * 1024;
    private readonly Process _process;
    private readonly StringBuilder _log = new();
    private readonly Lock _gate = new();
    private readonly TaskCompletionSource _stdoutClosed = new(TaskCreationOptions.RunContinuationsAsynchronously);
    private readonly TaskCompletionSource _stderrClosed = new(TaskCreationOptions.RunContinuationsAsynchronously);
    private bool _stopped;
    private bool _disposed;
    private int? _finalExitCode;

    private BackgroundProcess(ProcessSpec spec)
    {
        CommandLine = spec.CommandLine;
        _process = new Process { StartInfo = ProcessRunner.CreateStartInfo(spec), EnableRaisingEvents = true };
        _process.OutputDataReceived += (_, e) => Append(e.Data, _stdoutClosed);
        _process.ErrorDataReceived += (_, e) => Append(e.Data, _stderrClosed);
    }

    /// <summary>The command line, for messages.</summary>
    public string CommandLine { get; }

    /// <summary>Process id (also its process-group id).</summary>
    public int Id { get; private set; }

    /// <summary>True once the process has exited.</summary>
    public bool HasExited => _disposed || _process.HasExited;

    /// <summary>Exit code once exited, else null.</summary>
    public int? ExitCode => _disposed ? _finalExitCode : _process.HasExited ? _process.ExitCode : null;

    /// <summary>Everything written to stdout and stderr so far (interleaved by line).</summary>
    public string Output
    {
        get
        {
            lock (_gate)
            {
                return _log.ToString();
            }
        }
    }

    /// <summary>Starts <paramref name="spec"/> (its Timeout is ignored; stdin gets <see cref="ProcessSpec.StandardInput"/> then is closed).</summary>
    public static BackgroundProcess Start(ProcessSpec spec)
    {
        var bp = new BackgroundProcess(spec);
        bp._process.Start();
        bp.Id = bp._process.Id;
        bp._process.BeginOutputReadLine();
        bp._process.BeginErrorReadLine();
        try
        {
            if (spec.StandardInput is not null)
            {
                bp._process.StandardInput.Write(spec.StandardInput);
            }

            bp._process.StandardInput.Close();
        }
        catch (IOException)
        {
        }

        return bp;
    }

    /// <summary>Waits (bounded) until the captured output satisfies <paramref name="predicate"/>; false on timeout or exit.</summary>
    public async Task<bool> WaitForOutputAsync(Func<string, bool> predicate, TimeSpan timeout)
    {
        var deadline = Stopwatch.StartNew();
        while (deadline.Elapsed < timeout)
        {
            if (predicate(Output))
            {
                return true;
            }

            if (HasExited)
            {
                await WaitForExitAsync(TimeSpan.FromSeconds(5)).ConfigureAwait(false); // its last lines read
                return predicate(Output);
            }

            await Task.Delay(50).ConfigureAwait(false);
        }

        return predicate(Output);
    }

    /// <summary>
    /// Waits (bounded) for the process to exit on its own and for its last output lines to be read; false on timeout
    /// (it is left running). Exit alone is not enough: the final lines arrive on reader threads a moment later, and a
    /// loaded run once asserted on the output before its last line was in.
    /// </summary>
    public async Task<bool> WaitForExitAsync(TimeSpan timeout)
    {
        if (_disposed)
        {
            return true;
        }
        using var cts = new CancellationTokenSource(timeout);
        try
        {
            await _process.WaitForExitAsync(cts.Token).ConfigureAwait(false);
            // The reader threads report each stream's end as a last (null) line; both seen means every line is in.
            await Task.WhenAll(_stdoutClosed.Task, _stderrClosed.Task).WaitAsync(cts.Token).ConfigureAwait(false);
            return true;
        }
        catch (OperationCanceledException)
        {
            return HasExited;
        }
    }

    /// <summary>
    /// Stops the process: if <paramref name="graceful"/>, SIGTERM and wait up to <paramref name="grace"/> (default 10 s);
    /// then SIGKILL the process group, every descendant seen before the SIGTERM and any still present. Idempotent.
    /// Returns the exit code (or null if it could not be reaped in time).
    /// </summary>
    public async Task<int?> StopAsync(bool graceful = true, TimeSpan? grace = null)
    {
        if (_stopped)
        {
            return _finalExitCode;
        }

        _stopped = true;
        IReadOnlyList<int> descendants = [];
        if (!_process.HasExited)
        {
            descendants = NativeProcess.Descendants(Id);
            if (graceful)
            {
                NativeProcess.Signal(Id, NativeProcess.SIGTERM);
                await WaitBounded(_process.WaitForExitAsync(), grace ?? TimeSpan.FromSeconds(10)).ConfigureAwait(false);
            }
        }

        if (!_process.HasExited)
        {
            ProcessRunner.KillEverything(_process, Id);
        }
        else
        {
            NativeProcess.SignalGroup(Id, NativeProcess.SIGKILL);
        }

        foreach (var pid in descendants)
        {
            NativeProcess.Signal(pid, NativeProcess.SIGKILL);
        }

        await WaitBounded(_process.WaitForExitAsync(), TimeSpan.FromSeconds(10)).ConfigureAwait(false);
        await WaitBounded(Task.WhenAll(_stdoutClosed.Task, _stderrClosed.Task), TimeSpan.FromSeconds(3)).ConfigureAwait(false);
        _finalExitCode = ExitCode;
        return _finalExitCode;
    }

    /// <inheritdoc />
    public async ValueTask DisposeAsync()
    {
        if (_disposed)
        {
            return;
        }

        await StopAsync().ConfigureAwait(false);
        _disposed = true;
        _process.Dispose();
    }

    /// <inheritdoc />
    public void Dispose() => DisposeAsync().AsTask().GetAwaiter().GetResult();

    private void Append(string? line, TaskCompletionSource closed)
    {
        if (line is null)
        {
            closed.TrySetResult();
            return;
        }

        lock (_gate)
        {
            if (_log.Length < MaxLogChars)
            {
                _log.AppendLine(line);
            }
        }
    }

    private static async Task WaitBounded(Task task, TimeSpan limit) =>
        await Task.WhenAny(task, Task.Delay(limit)).ConfigureAwait(false);
}
