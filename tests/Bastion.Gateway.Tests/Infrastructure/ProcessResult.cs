using System.Text;

namespace Bastion.Gateway.Tests.Infrastructure;

/// <summary>Outcome of a finished (or killed) process run by <see cref="ProcessRunner"/>.</summary>
/// <param name="CommandLine">The command as run, for messages (arguments shell-quoted).</param>
/// <param name="ExitCode">Exit code; -1 when killed on timeout.</param>
/// <param name="StandardOutput">Everything written to stdout.</param>
/// <param name="StandardError">Everything written to stderr.</param>
/// <param name="TimedOut">True when the hard timeout fired and the process group was killed.</param>
/// <param name="Elapsed">Wall time from start to exit.</param>
public sealed record ProcessResult(
    string CommandLine,
    int ExitCode,
    string StandardOutput,
    string StandardError,
    bool TimedOut,
    TimeSpan Elapsed)
{
    /// <summary>Exit code 0 and no timeout.</summary>
    public bool Succeeded => ExitCode == 0 && !TimedOut;

    /// <summary>Throws <see cref="InvalidOperationException"/> with the full description unless <see cref="Succeeded"/>.</summary>
    public ProcessResult EnsureSuccess(string? what = null)
    {
        if (!Succeeded)
        {
            throw new InvalidOperationException((what is null ? "" : what + ": ") + Describe());
        }

        return this;
    }

    /// <summary>Multi-line description (command, exit code, stdout, stderr) for assertion messages.</summary>
    public string Describe()
    {
        var sb = new StringBuilder();
        sb.Append("command: ").AppendLine(CommandLine);
        sb.Append("exit code: ").Append(ExitCode);
        if (TimedOut)
        {
            sb.Append(" (killed after timeout)");
        }

        sb.Append(", elapsed ").Append(Elapsed.TotalSeconds.ToString("F2", System.Globalization.CultureInfo.InvariantCulture)).AppendLine(" s");
        sb.AppendLine("--- stdout ---").AppendLine(Truncate(StandardOutput));
        sb.AppendLine("--- stderr ---").AppendLine(Truncate(StandardError));
        return sb.ToString();
    }

    /// <inheritdoc />
    public override string ToString() => Describe();

    private static string Truncate(string s) => s.Length <= 16_000 ? s : s[..8_000] + "\n[…]\n" + s[^8_000..];
}
