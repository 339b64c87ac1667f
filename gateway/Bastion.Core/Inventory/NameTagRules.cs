using System.Net;
using System.Runtime.CompilerServices;
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
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
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
            return TooLong;
        }
        // Hand-written checks rather than regular expressions: every Name tag of every account passes here at each
        // refresh, and the common tag ("web-1") should cost a scan, not three regex matches.
        if (!IsDnsName(tag))
        {
            return "has characters outside letters, digits, '-' and '.' between labels (the DNS label set)";
        }
        if (LooksLikeInstanceId(tag))
        {
            return "looks like an instance id";
        }
        if (IsDigitsAndDots(tag) && IPAddress.TryParse(tag, out _))
        {
            return "looks like an IP address";
        }
        if (tag.StartsWith("ip-", StringComparison.OrdinalIgnoreCase) && PrivateDnsName().IsMatch(tag))
        {
            return "looks like a private DNS name (ip-A-B-C-D)";
        }
        if (isAccountAlias(tag))
        {
            return "is an account alias";
        }
        var dot = tag.LastIndexOf('.');
        return dot > 0 && isAccountAlias(tag[(dot + 1)..]) ? EndsInAlias(tag[(dot + 1)..]) : null;
    }

    private static readonly string TooLong = $"is longer than {MaxLength} characters";

    // Apart from the checks: refusals are rare, and the first index build should not compile their sentence.
    private static string EndsInAlias(string alias) => $"ends in .{alias}, an account alias (NAME.ALIAS names an instance in that account)";

    // Plain loops rather than SearchValues: the first index build would compile the vectorised searchers for a few
    // characters of each tag.
    private static bool IsDigitsAndDots(string text)
    {
        foreach (var c in text)
        {
            if (!char.IsAsciiDigit(c) && c != '.')
            {
                return false;
            }
        }
        return true;
    }

    /// <summary>RFC 1123 labels: letters, digits and inner hyphens, 1 to 63 characters, joined by dots.</summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    private static bool IsDnsName(string name)
    {
        var labelLength = 0;
        for (var i = 0; i < name.Length; i++)
        {
            var c = name[i];
            if (c == '.')
            {
                if (labelLength == 0 || name[i - 1] == '-')
                {
                    return false;
                }
                labelLength = 0;
                continue;
            }
            if (!char.IsAsciiLetterOrDigit(c) && (c != '-' || labelLength == 0))
            {
                return false;
            }
            if (++labelLength > 63)
            {
                return false;
            }
        }
        return labelLength > 0 && name[^1] != '-';
    }

    /// <summary>"i-" and hex digits, alone or as the first label (EC2's resource names: i-0abc.eu-west-1.compute.internal).</summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    private static bool LooksLikeInstanceId(string name)
    {
        if (name.Length < 3 || (name[0] | 0x20) != 'i' || name[1] != '-')
        {
            return false;
        }
        var end = name.IndexOf('.');
        var id = name.AsSpan(2, (end < 0 ? name.Length : end) - 2);
        foreach (var c in id)
        {
            if (!char.IsAsciiHexDigit(c))
            {
                return false;
            }
        }
        return !id.IsEmpty;
    }

    // EC2's IP-based hostnames: ip-10-1-2-3, ip-10-1-2-3.ec2.internal, ip-10-1-2-3.eu-west-1.compute.internal.
    [GeneratedRegex(@"^ip-[0-9]{1,3}-[0-9]{1,3}-[0-9]{1,3}-[0-9]{1,3}(\..*)?$", RegexOptions.CultureInvariant | RegexOptions.IgnoreCase)]
    private static partial Regex PrivateDnsName();
}
