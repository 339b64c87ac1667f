using Bastion.Core.Security;

namespace Bastion.Admin.Reports;

/// <summary>
/// Text from outside shown on a page: the same escaping as the CLI and the SSH messages (<see cref="TerminalText"/>),
/// so an ESC or a bidi override reads the same everywhere. HTML encoding is still Razor's job.
/// </summary>
public static class DisplayText
{
    public static string Visible(string? text) => TerminalText.Visible(text);
}
