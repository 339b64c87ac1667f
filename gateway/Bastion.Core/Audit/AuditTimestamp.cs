using System.Globalization;

namespace Bastion.Core.Audit;

/// <summary>
/// The one text form of audit timestamps (UTC, 100 ns precision, fixed width so text order is time order).
/// Hashes cover this text, so the stored value and the hashed value cannot drift apart by rounding.
/// </summary>
internal static class AuditTimestamp
{
    private const string Format = "yyyy-MM-dd'T'HH:mm:ss.fffffff'Z'";

    public static string ToText(DateTimeOffset value) =>
        value.UtcDateTime.ToString(Format, CultureInfo.InvariantCulture);

    public static DateTimeOffset Parse(string text) =>
        new(DateTime.SpecifyKind(DateTime.ParseExact(text, Format, CultureInfo.InvariantCulture), DateTimeKind.Utc));
}
