using System.Globalization;

namespace Bastion.Admin.Reports;

/// <summary>
/// A time typed into a search form: "2026-11-29T17:00" from a datetime-local input (taken as UTC), or any ISO 8601
/// time with an offset. Shared by the audit and recording searches so both read times the same way.
/// </summary>
public static class UtcTimeInput
{
    /// <summary>True with null for no text; false if the text is not a time.</summary>
    public static bool TryParse(string? text, out DateTimeOffset? value)
    {
        value = null;
        if (text is null)
        {
            return true;
        }
        if (DateTimeOffset.TryParse(text, CultureInfo.InvariantCulture, DateTimeStyles.AssumeUniversal | DateTimeStyles.AdjustToUniversal, out var parsed))
        {
            value = parsed;
            return true;
        }
        return false;
    }
}
