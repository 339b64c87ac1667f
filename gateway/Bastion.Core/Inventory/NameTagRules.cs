using System.Net;
using System.Text.RegularExpressions;

namespace Bastion.Core.Inventory;

/// <summary>
/// Which Name tags may become names users type. A developer chooses the Name tags of their instances, so a tag that
/// spells another kind of name — an instance id, an address, a private DNS name, NAME.ALIAS of some account — would
/// let one account's instance answer for another's. Such tags, and tags a DNS name cannot carry, are refused; the
/// instance stays reachable by its id, private DNS name or address.
/// </summary>
public static partial class NameTagRules
{
    /// <summary>Longest name accepted, as for a DNS name.</summary>
    public const int MaxLength = 253;

    /// <summary>Null when <paramref name="tag"/> may be a name; otherwise why not, as a phrase ("looks like an instance id").</summary>
    public static string? WhyNotAName(string tag, Func<string, bool> isAccountAlias)
    {
        ArgumentNullException.ThrowIfNull(tag);
        ArgumentNullException.ThrowIfNull(isAccountAlias);
        if (tag.Length == 0)
        {
            return "is empty";
        }
        if (tag.Length > MaxLength)
        {
            return $"is longer than {MaxLength} characters";
        }
        if (!DnsName().IsMatch(tag))
        {
            return "has characters outside letters, digits, '-' and '.' between labels (the DNS label set)";
        }
        if (InstanceId().IsMatch(tag))
        {
            return "looks like an instance id";
        }
        if (IPAddress.TryParse(tag, out _))
        {
            return "looks like an IP address";
        }
        if (PrivateDnsName().IsMatch(tag))
        {
            return "looks like a private DNS name (ip-A-B-C-D)";
        }
        if (isAccountAlias(tag))
        {
            return "is an account alias";
        }
        var dot = tag.LastIndexOf('.');
        if (dot > 0 && isAccountAlias(tag[(dot + 1)..]))
        {
            return $"ends in .{tag[(dot + 1)..]}, an account alias (NAME.ALIAS names an instance in that account)";
        }
        return null;
    }

    // RFC 1123 labels: letters, digits and inner hyphens, 1 to 63 characters, joined by dots.
    [GeneratedRegex(@"^[A-Za-z0-9]([A-Za-z0-9-]{0,61}[A-Za-z0-9])?(\.[A-Za-z0-9]([A-Za-z0-9-]{0,61}[A-Za-z0-9])?)*$", RegexOptions.CultureInvariant)]
    private static partial Regex DnsName();

    [GeneratedRegex(@"^i-[0-9a-f]+(\..*)?$", RegexOptions.CultureInvariant | RegexOptions.IgnoreCase)]
    private static partial Regex InstanceId();

    // EC2's IP-based hostnames: ip-10-1-2-3, ip-10-1-2-3.ec2.internal, ip-10-1-2-3.eu-west-1.compute.internal.
    [GeneratedRegex(@"^ip-[0-9]{1,3}-[0-9]{1,3}-[0-9]{1,3}-[0-9]{1,3}(\..*)?$", RegexOptions.CultureInvariant | RegexOptions.IgnoreCase)]
    private static partial Regex PrivateDnsName();
}
