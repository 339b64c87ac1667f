namespace Bastion.Hosting.Inventory.Dns;

/// <summary>
/// Whether a configured DNS zone is spelled as one the responder can serve. Text rules only (no DNS library), so the
/// configuration can be checked by every process that reads it, including the admin app.
/// </summary>
public static class ZoneSpelling
{
    public const int MaxLabelLength = 63;

    // RFC 1035 limit on the wire (length octets included); 253 characters when written out with dots.
    public const int MaxNameLength = 255;

    /// <summary>Why <paramref name="zone"/> cannot be used as the zone (to follow the key in an error), or null when it can.</summary>
    public static string? Describe(string? zone)
    {
        var trimmed = (zone ?? "").Trim().TrimEnd('.');
        if (trimmed.Length == 0)
        {
            return "is empty; set it to the DNS zone developers will query, such as dev.example";
        }
        var labels = trimmed.Split('.');
        foreach (var label in labels)
        {
            if (!IsHostnameLabel(label))
            {
                return $"has the label \"{label}\"; use 1 to 63 letters, digits or hyphens per label, not starting or ending with a hyphen";
            }
        }
        if (EncodedLength(labels) > MaxNameLength)
        {
            return "is longer than a DNS name may be (253 characters); use a shorter zone";
        }
        if (IsReverseTree(labels))
        {
            return "lies in the reverse tree (in-addr.arpa / ip6.arpa), which the responder answers by itself; use a forward zone such as dev.example";
        }
        return null;
    }

    /// <summary>The name's length on the wire: a length octet per label, the labels, the root label.</summary>
    public static int EncodedLength(IReadOnlyList<string> labels)
    {
        var length = 1;
        foreach (var label in labels)
        {
            length += label.Length + 1;
        }
        return length;
    }

    public static bool IsHostnameLabel(string label)
    {
        if (label.Length is 0 or > MaxLabelLength || label[0] == '-' || label[^1] == '-')
        {
            return false;
        }
        foreach (var c in label)
        {
            if (!char.IsAsciiLetterOrDigit(c) && c != '-')
            {
                return false;
            }
        }
        return true;
    }

    private static bool IsReverseTree(string[] labels) =>
        labels.Length >= 2
        && string.Equals(labels[^1], "arpa", StringComparison.OrdinalIgnoreCase)
        && (string.Equals(labels[^2], "in-addr", StringComparison.OrdinalIgnoreCase) || string.Equals(labels[^2], "ip6", StringComparison.OrdinalIgnoreCase));
}
