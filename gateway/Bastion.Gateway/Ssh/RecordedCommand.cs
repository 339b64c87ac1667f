using System.Text.RegularExpressions;

namespace Bastion.Gateway.Ssh;

/// <summary>
/// What "ssh bastion [USER@]TARGET [COMMAND…]" asks for in recorded mode: the target's name, the account there (null:
/// the configured default) and the command (null: an interactive shell).
/// </summary>
public sealed partial record RecordedCommand(string? TargetUser, string TargetName, string? Command)
{
    public static bool TryParse(string text, out RecordedCommand? command, out string? error)
    {
        command = null;
        error = null;
        var trimmed = text.Trim();
        if (trimmed.Length == 0)
        {
            return false;
        }
        var space = trimmed.IndexOfAny([' ', '\t']);
        var destination = space < 0 ? trimmed : trimmed[..space];
        var rest = space < 0 ? null : trimmed[(space + 1)..].Trim();
        string? user = null;
        var at = destination.LastIndexOf('@');
        if (at >= 0)
        {
            user = destination[..at];
            destination = destination[(at + 1)..];
            if (!UserNamePattern().IsMatch(user))
            {
                error = $"\"{user}\" is not an account name; use: ssh -t <bastion> [user@]target [command]";
                return false;
            }
        }
        if (!TargetNamePattern().IsMatch(destination))
        {
            error = $"\"{destination}\" is not a target name; use: ssh -t <bastion> [user@]target [command]";
            return false;
        }
        command = new RecordedCommand(user, destination, string.IsNullOrEmpty(rest) ? null : rest);
        return true;
    }

    // \z, not $ ("$" matches before a final newline): a newline is never part of a name.
    [GeneratedRegex(@"^[a-z_][a-z0-9_.-]{0,31}\z")]
    private static partial Regex UserNamePattern();

    [GeneratedRegex(@"^[A-Za-z0-9][A-Za-z0-9._-]{0,252}\z")]
    private static partial Regex TargetNamePattern();
}
