using System.Text.RegularExpressions;

namespace Bastion.Core.Store;

/// <summary>
/// Validation of the names people type: user names, group names and target names. Rules live here so that
/// every store implementation (SQLite today, PostgreSQL later) accepts exactly the same names.
/// </summary>
public static partial class Names
{
    // \z, not $: in .NET "$" also matches before a final newline, so "alice\n" would pass as a name and carry its
    // newline into every listing and log line that shows it.

    /// <summary>Same shape as a POSIX login name, so users can keep their usual ssh user.</summary>
    public const string UserNamePattern = @"^[a-z_][a-z0-9_.-]{0,31}\z";

    /// <summary>Target names become the first label of "name.suffix" host strings, hence DNS-friendly.</summary>
    /// <summary>
    /// <see cref="UserNamePattern"/> for an HTML <c>pattern</c> attribute: browsers compile it with the "v" flag, in
    /// which a bare "-" inside a class is a syntax error (Chromium then drops the check), and anchor it themselves.
    /// </summary>
    public const string UserNameHtmlPattern = @"[a-z_][a-z0-9_.\-]{0,31}";

    public const string TargetNamePattern = @"^[A-Za-z0-9][A-Za-z0-9_.-]{0,62}\z";

    public static bool IsValidUserName(string? name) => name is not null && UserNameRegex().IsMatch(name);

    /// <summary>Group names follow the user-name rules (they appear as "@group" in access rules).</summary>
    public static bool IsValidGroupName(string? name) => IsValidUserName(name);

    public static bool IsValidTargetName(string? name) => name is not null && TargetNameRegex().IsMatch(name);

    /// <summary>Throws <see cref="InvalidEntityException"/> with a message that says what a valid name looks like.</summary>
    public static void EnsureUserName(string? name)
    {
        if (!IsValidUserName(name))
        {
            throw new InvalidEntityException(
                $"user name {Shown(name)} is not valid; use 1-32 characters: lowercase letters, digits, '_', '.', '-', starting with a letter or '_'");
        }
    }

    public static void EnsureGroupName(string? name)
    {
        if (!IsValidGroupName(name))
        {
            throw new InvalidEntityException(
                $"group name {Shown(name)} is not valid; use 1-32 characters: lowercase letters, digits, '_', '.', '-', starting with a letter or '_'");
        }
    }

    public static void EnsureTargetName(string? name)
    {
        if (!IsValidTargetName(name))
        {
            throw new InvalidEntityException(
                $"target name {Shown(name)} is not valid; use 1-63 characters: letters, digits, '_', '.', '-', starting with a letter or digit");
        }
    }

    /// <summary>
    /// A rejected name as an error message shows it: escaped (it may hold control characters) and, when long, cut with
    /// its length given, so a pasted 10 KB blob does not come back whole.
    /// </summary>
    public static string Shown(string? name)
    {
        const int ShownCharacters = 40;
        var text = name ?? "";
        return text.Length <= ShownCharacters
            ? $"\"{Security.TerminalText.Visible(text)}\""
            : $"\"{Security.TerminalText.Visible(text[..ShownCharacters])}…\" ({text.Length} characters)";
    }

    [GeneratedRegex(UserNamePattern, RegexOptions.CultureInvariant)]
    private static partial Regex UserNameRegex();

    [GeneratedRegex(TargetNamePattern, RegexOptions.CultureInvariant)]
    private static partial Regex TargetNameRegex();
}
