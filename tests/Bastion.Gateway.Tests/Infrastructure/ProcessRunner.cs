using System.Diagnostics;

namespace Bastion.Gateway.Tests.Infrastructure;

/// <summary>
/// Runs a process to completion with a hard timeout. Each process is started through <c>setsid</c>, so it leads
/// its own session and process group and has no controlling terminal (this is what makes <c>ssh</c> use
/// SSH_ASKPASS); on timeout the whole group and every descendant is killed with SIGKILL.
/// </summary>
public static class ProcessRunner
{
    /// <summary>How long to wait for stdout/stderr to reach EOF after the process exits (children may hold them).</summary>
    private static readonly TimeSpan DrainGrace = TimeSpan.FromSeconds(5);

    /// <summary>Throws a clear <see cref="InvalidOperationException"/> naming <paramref name="aptPackage"/> if <paramref name="path"/> is missing.</summary>
    public static string RequireTool(string path, string aptPackage)
    {
        if (!File.Exists(path))
        {
            throw new InvalidOperationException(
                $"required tool {path} is missing: install the Debian package '{aptPackage}' " +
                $"(apt-get install -y {aptPackage}), or run ./test.sh, which installs everything the tests need.");
        }

        if ((File.GetUnixFileMode(path) & (UnixFileMode.UserExecute | UnixFileMode.GroupExecute | UnixFileMode.OtherExecute)) == 0
            && !path.EndsWith(".so", StringComparison.Ordinal))
        {
            throw new InvalidOperationException($"required tool {path} (Debian package '{aptPackage}') is not executable.");
        }

        return path;
    }

    /// <summary>Runs <paramref name="fileName"/> with <paramref name="arguments"/> (timeout 60 s, empty stdin).</summary>
    public static Task<ProcessResult> RunAsync(string fileName, params string[] arguments) =>
        RunAsync(new ProcessSpec(fileName, arguments));

    /// <summary>Runs <paramref name="spec"/> to completion; never throws for a non-zero exit or a timeout (see <see cref="ProcessResult"/>).</summary>
    public static async Task<ProcessResult> RunAsync(ProcessSpec spec, CancellationToken cancellationToken = default)
    {
        using var process = new Process { StartInfo = CreateStartInfo(spec) };
        var stopwatch = Stopwatch.StartNew();
        process.Start();
        var pgid = process.Id; // setsid without fork: the pid is the new session and process-group id

        using var drain = new CancellationTokenSource();
        var stdout = spec.StandardOutputFile is null
            ? process.StandardOutput.ReadToEndAsync(drain.Token)
            : CopyToFileAsync(process.StandardOutput.BaseStream, spec.StandardOutputFile, drain.Token);
        var stderr = process.StandardError.ReadToEndAsync(drain.Token);
        var stdin = FeedStandardInputAsync(process, spec);

        var timedOut = false;
        using (var timeout = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken))
        {
            timeout.CancelAfter(spec.Timeout);
            try
            {
                await process.WaitForExitAsync(timeout.Token).ConfigureAwait(false);
            }
            catch (OperationCanceledException)
            {
                timedOut = true;
                KillEverything(process, pgid);
                await WaitBounded(process.WaitForExitAsync(CancellationToken.None), TimeSpan.FromSeconds(10)).ConfigureAwait(false);
            }
        }

        var elapsed = stopwatch.Elapsed;
        var outputs = Task.WhenAll(stdout, stderr);
        if (!await WaitBounded(outputs, DrainGrace).ConfigureAwait(false))
        {
            // A leftover child keeps the pipes open: kill the group, then give up on the rest of the output.
            NativeProcess.SignalGroup(pgid, NativeProcess.SIGKILL);
            if (!await WaitBounded(outputs, TimeSpan.FromSeconds(2)).ConfigureAwait(false))
            {
                await drain.CancelAsync().ConfigureAwait(false);
            }
        }

        await WaitBounded(stdin, TimeSpan.FromSeconds(1)).ConfigureAwait(false);
        cancellationToken.ThrowIfCancellationRequested();

        return new ProcessResult(
            spec.CommandLine,
            timedOut ? -1 : process.ExitCode,
            ResultOrEmpty(stdout),
            ResultOrEmpty(stderr),
            timedOut,
            elapsed);
    }

    internal static ProcessStartInfo CreateStartInfo(ProcessSpec spec)
    {
        var psi = new ProcessStartInfo(Tools.Require(Tools.Setsid))
        {
            UseShellExecute = false,
            RedirectStandardInput = true,
            RedirectStandardOutput = true,
            RedirectStandardError = true,
        };
        if (spec.WorkingDirectory is not null)
        {
            psi.WorkingDirectory = spec.WorkingDirectory;
        }

        // -w: should setsid have to fork (only if already a group leader), still wait and pass the exit code on.
        psi.ArgumentList.Add("-w");
        psi.ArgumentList.Add(spec.FileName);
        foreach (var a in spec.Arguments)
        {
            psi.ArgumentList.Add(a);
        }

        // Never let an ssh-agent of the machine running the tests take part.
        psi.Environment.Remove("SSH_AUTH_SOCK");
        if (spec.Environment is not null)
        {
            foreach (var (key, value) in spec.Environment)
            {
                if (value is null)
                {
                    psi.Environment.Remove(key);
                }
                else
                {
                    psi.Environment[key] = value;
                }
            }
        }

        return psi;
    }

    internal static void KillEverything(Process process, int pgid)
    {
        IReadOnlyList<int> descendants = [];
        try
        {
            descendants = NativeProcess.Descendants(process.Id);
        }
        catch (IOException)
        {
        }

        NativeProcess.SignalGroup(pgid, NativeProcess.SIGKILL);
        foreach (var pid in descendants)
        {
            NativeProcess.Signal(pid, NativeProcess.SIGKILL);
        }

        try
        {
            process.Kill(entireProcessTree: true);
        }
        catch (InvalidOperationException)
        {
            // already exited
        }
    }

    private static async Task FeedStandardInputAsync(Process process, ProcessSpec spec)
    {
        try
        {
            if (spec.StandardInputFile is not null)
            {
                await using var file = File.OpenRead(spec.StandardInputFile);
                await file.CopyToAsync(process.StandardInput.BaseStream).ConfigureAwait(false);
            }
            else if (spec.StandardInput is not null)
            {
                await process.StandardInput.WriteAsync(spec.StandardInput).ConfigureAwait(false);
            }

            process.StandardInput.Close();
        }
        catch (IOException)
        {
            // the process exited without reading all of its input
        }
        catch (ObjectDisposedException)
        {
        }
    }

    private static async Task<string> CopyToFileAsync(Stream output, string path, CancellationToken cancellationToken)
    {
        await using var file = File.Create(path);
        await output.CopyToAsync(file, cancellationToken).ConfigureAwait(false);
        return "";
    }

    private static async Task<bool> WaitBounded(Task task, TimeSpan limit)
    {
        var finished = await Task.WhenAny(task, Task.Delay(limit)).ConfigureAwait(false);
        return finished == task;
    }

    private static string ResultOrEmpty(Task<string> task) =>
        task.IsCompletedSuccessfully ? task.Result : "[output not collected: pipe still held open]";
}
