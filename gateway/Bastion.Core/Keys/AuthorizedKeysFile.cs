namespace Bastion.Core.Keys;

/// <summary>Parses a whole authorized_keys file (or pasted text) for bulk import.</summary>
public static class AuthorizedKeysFile
{
    /// <summary>
    /// Parses every non-blank line that is not a '#' comment. Throws <see cref="AuthorizedKeyFormatException"/>
    /// for the first bad line, with its line number, so nothing is imported from a file with mistakes.
    /// </summary>
    public static IReadOnlyList<AuthorizedKeyLine> Parse(string text)
    {
        ArgumentNullException.ThrowIfNull(text);
        var result = new List<AuthorizedKeyLine>();
        var lines = text.Split('\n');
        for (var i = 0; i < lines.Length; i++)
        {
            var line = lines[i].Trim();
            if (line.Length == 0 || line.StartsWith('#'))
            {
                continue;
            }
            result.Add(AuthorizedKeyLine.Parse(line, i + 1));
        }
        return result;
    }
}
