using System.Globalization;

namespace Bastion.Core.Keys;

/// <summary>
/// The value of <c>expiry-time="…"</c> in sshd's format (misc.c parse_absolute_time): YYYYMMDD, YYYYMMDDHHMM or
/// YYYYMMDDHHMMSS, optionally followed by "Z" or "UTC". sshd reads a time without the suffix in its own system time
/// zone; a gateway's nodes and its admin web may sit in different zones, so Bastion reads every time as UTC and the
/// same key expires at the same instant on every node.
/// </summary>
public static class ExpiryTime
{
    private static readonly string[] Formats = ["yyyyMMdd", "yyyyMMddHHmm", "yyyyMMddHHmmss"];

    /// <summary>The instant after which the key is refused. Throws <see cref="FormatException"/> saying how to write it.</summary>
    public static DateTimeOffset Parse(string value)
    {
        ArgumentNullException.ThrowIfNull(value);
        var digits = value;
        if (digits.EndsWith("UTC", StringComparison.OrdinalIgnoreCase))
        {
            digits = digits[..^3];
        }
        else if (digits.EndsWith('Z') || digits.EndsWith('z'))
        {
            digits = digits[..^1];
        }
        // Digits only: DateTime parsing would otherwise accept signs, spaces or other digit sets.
        if (digits.Length is 8 or 12 or 14 && digits.All(char.IsAsciiDigit)
            && DateTime.TryParseExact(digits, Formats, CultureInfo.InvariantCulture,
                DateTimeStyles.AssumeUniversal | DateTimeStyles.AdjustToUniversal, out var time))
        {
            return new DateTimeOffset(time, TimeSpan.Zero);
        }
        throw new FormatException(
            $"expiry-time=\"{value}\" is not a time; write YYYYMMDD, YYYYMMDDHHMM or YYYYMMDDHHMMSS in UTC, e.g. expiry-time=\"20300101\" or \"203001011200Z\"");
    }

    /// <summary>The instant as the refusal messages show it.</summary>
    public static string Format(DateTimeOffset instant) =>
        instant.UtcDateTime.ToString(instant.Second == 0 ? "yyyy-MM-dd HH:mm 'UTC'" : "yyyy-MM-dd HH:mm:ss 'UTC'", CultureInfo.InvariantCulture);
}
