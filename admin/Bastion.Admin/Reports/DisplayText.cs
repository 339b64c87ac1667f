using System.Globalization;
using System.Text;

namespace Bastion.Admin.Reports;

/// <summary>
/// Makes text from outside (client version strings, tags, audit data) safe to show to a person: control and
/// invisible format characters (ESC, BEL, bidi overrides, …) become visible escapes such as <c>\x1b</c>, so a
/// terminal escape or a right-to-left override cannot disguise what was logged. HTML encoding is still Razor's job;
/// this only decides which characters are shown literally.
/// </summary>
public static class DisplayText
{
    public static string Visible(string? text)
    {
        if (string.IsNullOrEmpty(text))
        {
            return text ?? "";
        }
        if (!text.Any(NeedsEscape))
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

    private static bool NeedsEscape(char c) =>
        char.IsControl(c) || char.GetUnicodeCategory(c) is UnicodeCategory.Format or UnicodeCategory.LineSeparator or UnicodeCategory.ParagraphSeparator;
}
