using System.Text;
using Bastion.Core.Keys;

namespace Bastion.Fuzz.Targets;

/// <summary>
/// An authorized_keys file (lines of options, key type, base64 blob, comment), as users paste it. Rejection is
/// <see cref="AuthorizedKeyFormatException"/>; an accepted line must format back to a line that parses to the same text.
/// </summary>
internal sealed class AuthorizedKeysTarget : IFuzzTarget
{
    public void Run(byte[] input)
    {
        var text = Encoding.UTF8.GetString(input);
        IReadOnlyList<AuthorizedKeyLine> lines;
        try
        {
            lines = AuthorizedKeysFile.Parse(text);
        }
        catch (AuthorizedKeyFormatException)
        {
            return;
        }
        foreach (var line in lines)
        {
            var formatted = line.ToString();
            AuthorizedKeyLine again;
            try
            {
                again = AuthorizedKeyLine.Parse(formatted);
            }
            catch (AuthorizedKeyFormatException ex)
            {
                throw new InvalidOperationException($"an accepted line does not parse once formatted: \"{formatted}\": {ex.Message}", ex);
            }
            if (again.ToString() != formatted)
            {
                throw new InvalidOperationException($"format is not stable: \"{formatted}\" became \"{again}\"");
            }
        }
    }
}
