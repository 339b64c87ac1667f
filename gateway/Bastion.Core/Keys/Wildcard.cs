namespace Bastion.Core.Keys;

/// <summary>sshd's match_pattern: '*' matches any run of characters, '?' exactly one; everything else itself.</summary>
internal static class Wildcard
{
    /// <summary>Whole-string match, ordinal (callers lowercase both sides, as sshd does for host patterns).</summary>
    public static bool Matches(string text, string pattern)
    {
        // Greedy with one backtrack point (the last '*'): linear in practice, never exponential.
        int t = 0, p = 0, star = -1, resume = 0;
        while (t < text.Length)
        {
            if (p < pattern.Length && (pattern[p] == '?' || pattern[p] == text[t]))
            {
                t++;
                p++;
            }
            else if (p < pattern.Length && pattern[p] == '*')
            {
                star = p++;
                resume = t;
            }
            else if (star >= 0)
            {
                p = star + 1;
                t = ++resume;
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
}
