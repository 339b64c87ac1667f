using System.Globalization;

namespace Bastion.Core.Audit;

/// <summary>
/// A time bound as people type it in an audit or recording search, read the same by the CLI
/// (<c>bastion audit search --since</c>) and the admin pages: a duration back from now ("30m", "2h", "7d") or a time
/// (ISO 8601; UTC unless it names an offset).
/// </summary>
public static class TimeInput
{
    /// <summary>True with null for no text; false with <paramref name="problem"/> saying what to type instead.</summary>
    public static bool TryParse(string? text, DateTimeOffset now, out DateTimeOffset? time, out string? problem)
    {
        time = null;
        problem = null;
        if (string.IsNullOrWhiteSpace(text))
        {
            return true;
        }
        text = text.Trim();
        var unit = text[^1];
        if (unit is 's' or 'm' or 'h' or 'd' && long.TryParse(text[..^1], NumberStyles.None, CultureInfo.InvariantCulture, out var amount) && amount <= 36_500L * 86_400)
        {
            var span = unit switch
            {
                's' => TimeSpan.FromSeconds(amount),
                'm' => TimeSpan.FromMinutes(amount),
                'h' => TimeSpan.FromHours(amount),
                _ => TimeSpan.FromDays(Math.Min(amount, 36_500)),
            };
            time = now - span;
            return true;
        }
        if (DateTimeOffset.TryParse(text, CultureInfo.InvariantCulture, DateTimeStyles.AssumeUniversal | DateTimeStyles.AdjustToUniversal, out var parsed))
        {
            time = parsed;
            return true;
        }
        problem = $"\"{Truncated(text)}\" is not a time: use a duration back from now (30m, 2h, 7d) or a UTC time such as 2026-12-06T21:00:00Z";
        return false;
    }

    private static string Truncated(string text) => text.Length <= 64 ? text : text[..64] + "…";
}
