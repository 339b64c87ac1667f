namespace Bastion.Core.Policy;

/// <summary>
/// Shell-style globs with '*' (any run of characters) and '?' (one character), matched case-insensitively.
/// Hand-written rather than translated to a regex, so a hostile pattern cannot cause catastrophic
/// backtracking: matching is O(pattern × text).
/// </summary>
public static class GlobPattern
{
    /// <summary>Patterns are target-name characters plus wildcards.</summary>
    public static bool IsValid(string? pattern)
    {
        if (string.IsNullOrEmpty(pattern) || pattern.Length > 128)
        {
            return false;
        }
        foreach (var c in pattern)
        {
            if (!(char.IsAsciiLetterOrDigit(c) || c is '*' or '?' or '-' or '_' or '.'))
            {
                return false;
            }
        }
        return true;
    }

    /// <summary>True if the whole of <paramref name="text"/> matches <paramref name="pattern"/>.</summary>
    public static bool IsMatch(string pattern, string text)
    {
        // Classic greedy matcher with one backtrack point (the last '*'): linear in practice, quadratic at worst.
        int p = 0, t = 0, starP = -1, starT = 0;
        while (t < text.Length)
        {
            if (p < pattern.Length && (pattern[p] == '?' || CharEquals(pattern[p], text[t])))
            {
                p++;
                t++;
            }
            else if (p < pattern.Length && pattern[p] == '*')
            {
                starP = p++;
                starT = t;
            }
            else if (starP >= 0)
            {
                p = starP + 1;
                t = ++starT;
            }
            else
            {
                return false;
            }
        }
        while (p < pattern.Length && pattern[p] == '*')
        {
            p++;
        }
        return p == pattern.Length;
    }

    private static bool CharEquals(char a, char b) => char.ToLowerInvariant(a) == char.ToLowerInvariant(b);
}
