using Bastion.Core.Store;

namespace Bastion.Core.Inventory;

/// <summary>
/// A static target's address and tags as people type them, read the same way by the CLI (<c>bastion target add</c>,
/// <c>access allow --tag</c>) and the admin app's Targets page, so the two accept and refuse the same input.
/// </summary>
public static class TargetInput
{
    /// <summary>"[v6]:port", "host:port" or "host" (port 22).</summary>
    public static (string Host, int Port) ParseAddress(string text)
    {
        ArgumentNullException.ThrowIfNull(text);
        text = text.Trim();
        if (text.StartsWith('['))
        {
            var end = text.IndexOf(']');
            if (end > 0)
            {
                var host6 = text[1..end];
                var rest = text[(end + 1)..];
                return (host6, rest.StartsWith(':') ? ParsePort(rest[1..], text) : 22);
            }
        }
        var colon = text.LastIndexOf(':');
        if (colon > 0 && text.IndexOf(':') == colon)
        {
            return (text[..colon], ParsePort(text[(colon + 1)..], text));
        }
        return (text, 22);
    }

    /// <summary>"key=value" items; a later key replaces an earlier one.</summary>
    public static IReadOnlyDictionary<string, string> ParseTags(IEnumerable<string>? tags)
    {
        var result = new Dictionary<string, string>();
        foreach (var tag in tags ?? [])
        {
            var eq = tag.IndexOf('=');
            if (eq <= 0)
            {
                throw new InvalidEntityException($"tag {Names.Shown(tag)} is not key=value");
            }
            result[tag[..eq].Trim()] = tag[(eq + 1)..].Trim();
        }
        return result;
    }

    private static int ParsePort(string port, string whole) =>
        int.TryParse(port, out var value) && value is > 0 and < 65536
            ? value
            : throw new InvalidEntityException($"{Names.Shown(whole)} has no valid port; use HOST:PORT with PORT in 1..65535");
}
