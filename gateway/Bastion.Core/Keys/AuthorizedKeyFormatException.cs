namespace Bastion.Core.Keys;

/// <summary>
/// An authorized_keys line that cannot be used. The message starts with "line N: " when the line number is
/// known and names the problem and the fix, e.g. <c>line 3: key type "ssh-dss" is not accepted; use ed25519 or ecdsa</c>.
/// </summary>
public sealed class AuthorizedKeyFormatException : FormatException
{
    public AuthorizedKeyFormatException(string message, int? lineNumber)
        : base(lineNumber is null ? message : $"line {lineNumber}: {message}")
    {
        LineNumber = lineNumber;
        Problem = message;
    }

    /// <summary>1-based line number, when parsing a file.</summary>
    public int? LineNumber { get; }

    /// <summary>The message without the line prefix.</summary>
    public string Problem { get; }
}
