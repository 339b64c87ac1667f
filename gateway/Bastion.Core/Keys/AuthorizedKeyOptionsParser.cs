using System.Text;

namespace Bastion.Core.Keys;

/// <summary>
/// Parses the options field of an authorized_keys line the way OpenSSH does (auth-options.c): options are
/// separated by commas, a value follows '=' in double quotes, inside which commas and spaces are literal and
/// \" is a quote. Names are case-insensitive; unknown names are refused, like sshd refuses them.
/// </summary>
internal static class AuthorizedKeyOptionsParser
{
    private static readonly HashSet<string> Flags = new(StringComparer.OrdinalIgnoreCase)
    {
        "agent-forwarding", "no-agent-forwarding", "port-forwarding", "no-port-forwarding", "pty", "no-pty",
        "user-rc", "no-user-rc", "x11-forwarding", "no-x11-forwarding", "restrict", "touch-required",
        "no-touch-required", "verify-required",
    };

    private static readonly HashSet<string> ValueOptions = new(StringComparer.OrdinalIgnoreCase)
    {
        "command", "environment", "expiry-time", "from", "permitlisten", "permitopen", "principals", "tunnel",
    };

    /// <summary>
    /// Reads the options field starting at <paramref name="position"/> up to the first unquoted whitespace,
    /// leaving <paramref name="position"/> after it. Throws <see cref="FormatException"/> with the problem.
    /// </summary>
    public static List<AuthorizedKeyOption> Parse(string line, ref int position)
    {
        var options = new List<AuthorizedKeyOption>();
        while (true)
        {
            var nameStart = position;
            while (position < line.Length && line[position] is not ('=' or ',' or ' ' or '\t'))
            {
                position++;
            }
            var name = line[nameStart..position];
            if (name.Length == 0)
            {
                throw new FormatException("an option is empty (two commas in a row, or a comma before the key type)");
            }
            string? value = null;
            if (position < line.Length && line[position] == '=')
            {
                position++;
                value = ReadQuoted(line, ref position, name);
            }
            options.Add(Validate(name, value));
            if (position < line.Length && line[position] == ',')
            {
                position++;
                continue;
            }
            return options;
        }
    }

    /// <summary>Parses a stored options string (the canonical form written by <see cref="Format"/>).</summary>
    public static List<AuthorizedKeyOption> ParseAll(string text)
    {
        if (text.Length == 0)
        {
            return [];
        }
        var position = 0;
        var options = Parse(text, ref position);
        if (position != text.Length)
        {
            throw new FormatException("unexpected text after the options");
        }
        return options;
    }

    public static string Format(IEnumerable<AuthorizedKeyOption> options) => string.Join(',', options);

    private static string ReadQuoted(string line, ref int position, string name)
    {
        if (position >= line.Length || line[position] != '"')
        {
            throw new FormatException($"the value of option \"{name}\" must be in double quotes, e.g. {name}=\"...\"");
        }
        position++;
        var value = new StringBuilder();
        while (position < line.Length)
        {
            var c = line[position++];
            if (c == '\\' && position < line.Length && line[position] == '"')
            {
                value.Append('"');
                position++;
            }
            else if (c == '"')
            {
                return value.ToString();
            }
            else
            {
                value.Append(c);
            }
        }
        throw new FormatException($"the value of option \"{name}\" has no closing double quote");
    }

    private static AuthorizedKeyOption Validate(string name, string? value)
    {
        if (string.Equals(name, "cert-authority", StringComparison.OrdinalIgnoreCase))
        {
            throw new FormatException("cert-authority lines are not supported; register each user's own public key");
        }
        if (Flags.Contains(name))
        {
            return value is null ? new AuthorizedKeyOption(name, null)
                : throw new FormatException($"option \"{name}\" takes no value; write just {name}");
        }
        if (ValueOptions.Contains(name))
        {
            return value is not null ? new AuthorizedKeyOption(name, value)
                : throw new FormatException($"option \"{name}\" needs a value, e.g. {name}=\"...\"");
        }
        throw new FormatException($"unknown option \"{name}\"; check the spelling against man sshd (AUTHORIZED_KEYS FILE FORMAT)");
    }
}
