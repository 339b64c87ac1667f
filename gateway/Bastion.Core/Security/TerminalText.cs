using System.Globalization;
using System.Text;

namespace Bastion.Core.Security;

/// <summary>
/// Makes text from outside (tags and names from developer accounts, user names, key comments, client versions,
/// commands, audit data) safe to show to a person on a terminal or a page: control characters (C0, DEL, C1, ESC) and
/// invisible format characters (bidi overrides, zero-width, line and paragraph separators) become visible escapes such
/// as <c>\x1b</c>, so a terminal escape cannot act on the reader's terminal and a right-to-left override cannot
/// disguise what was logged. Every value that did not come from the operator goes through <see cref="Visible"/>
/// before it reaches a terminal; HTML encoding stays the web framework's job.
/// </summary>
public static class TerminalText
{
    // Printable ASCII: the common case, checked with one vectorised scan before looking at characters one by one.
    private static readonly System.Buffers.SearchValues<char> Plain = System.Buffers.SearchValues.Create(
        Enumerable.Range(0x20, 0x7f - 0x20).Select(i => (char)i).ToArray());

    /// <summary><paramref name="text"/> with every character a terminal would act on written as an escape; null gives "".</summary>
    public static string Visible(string? text)
    {
        if (string.IsNullOrEmpty(text))
        {
            return text ?? "";
        }
        if (!text.AsSpan().ContainsAnyExcept(Plain) || !text.Any(NeedsEscape))
        {
            return text;
        }
        var builder = new StringBuilder(text.Length + 16);
        foreach (var c in text)
        {
            if (!NeedsEscape(c))
            {
                builder.Append(c);
            }
            else if (c <= '\u00ff')
            {
                builder.Append(CultureInfo.InvariantCulture, $"\\x{(int)c:x2}");
            }
            else
            {
                builder.Append(CultureInfo.InvariantCulture, $"\\u{(int)c:x4}");
            }
        }
        return builder.ToString();
    }

    /// <summary>Whether <paramref name="text"/> holds a character <see cref="Visible"/> would escape.</summary>
    public static bool NeedsEscaping(string? text) => !string.IsNullOrEmpty(text) && text.Any(NeedsEscape);

    private static bool NeedsEscape(char c) =>
        char.IsControl(c) || char.GetUnicodeCategory(c) is UnicodeCategory.Format or UnicodeCategory.LineSeparator or UnicodeCategory.ParagraphSeparator;
}
