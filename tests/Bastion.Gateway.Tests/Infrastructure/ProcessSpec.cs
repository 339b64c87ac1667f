namespace Bastion.Gateway.Tests.Infrastructure;

/// <summary>What <see cref="ProcessRunner"/> or <see cref="BackgroundProcess"/> should run.</summary>
/// <param name="FileName">Absolute path (or a name found on PATH) of the executable.</param>
/// <param name="Arguments">Arguments, passed as-is (no shell).</param>
public sealed record ProcessSpec(string FileName, IReadOnlyList<string> Arguments)
{
    /// <summary>Environment changes: a null value removes the variable. The rest is inherited.</summary>
    public IReadOnlyDictionary<string, string?>? Environment { get; init; }

    /// <summary>Working directory; null = inherit.</summary>
    public string? WorkingDirectory { get; init; }

    /// <summary>Text written to stdin (then stdin is closed). Stdin is always closed, empty by default.</summary>
    public string? StandardInput { get; init; }

    /// <summary>A file streamed to stdin (then closed); takes precedence over <see cref="StandardInput"/>.</summary>
    public string? StandardInputFile { get; init; }

    /// <summary>A file that receives stdout byte for byte (created or truncated) instead of <see cref="ProcessResult.StandardOutput"/>,
    /// for binary output such as a downloaded payload; the result's StandardOutput is then empty.</summary>
    public string? StandardOutputFile { get; init; }

    /// <summary>Hard timeout for <see cref="ProcessRunner"/>: the whole process group is killed when it fires.</summary>
    public TimeSpan Timeout { get; init; } = TimeSpan.FromSeconds(60);

    /// <summary>Shell-quoted command line, for messages and logs.</summary>
    public string CommandLine => string.Join(' ', new[] { FileName }.Concat(Arguments).Select(Quote));

    internal static string Quote(string s) =>
        s.Length > 0 && s.All(c => char.IsAsciiLetterOrDigit(c) || "-_./:=@,+%".Contains(c))
            ? s
            : "'" + s.Replace("'", "'\\''", StringComparison.Ordinal) + "'";
}
