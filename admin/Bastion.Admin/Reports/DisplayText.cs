using Bastion.Core.Security;

namespace Bastion.Admin.Reports;

/// <summary>
/// Text from outside shown on a page: the same escaping as the CLI and the SSH messages (<see cref="TerminalText"/>),
/// so an ESC or a bidi override reads the same everywhere. HTML encoding is still Razor's job.
/// </summary>
public static class DisplayText
{
    public static string Visible(string? text) => TerminalText.Visible(text);

    /// <summary>"45s", "12m", "5h", "3d" since <paramref name="since"/>; "never" for none.</summary>
    public static string Age(DateTimeOffset? since, DateTimeOffset now)
    {
        if (since is null)
        {
            return "never";
        }
        var age = now - since.Value;
        return age.TotalSeconds < 0 ? "0s"
            : age.TotalMinutes < 2 ? $"{(long)age.TotalSeconds}s"
            : age.TotalHours < 2 ? $"{(long)age.TotalMinutes}m"
            : age.TotalDays < 2 ? $"{(long)age.TotalHours}h"
            : $"{(long)age.TotalDays}d";
    }
}
