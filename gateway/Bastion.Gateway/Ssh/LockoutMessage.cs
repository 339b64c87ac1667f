using System.Globalization;

namespace Bastion.Gateway.Ssh;

/// <summary>What a locked-out client is told, wherever it is refused (at accept, at a request, at the last step).</summary>
public static class LockoutMessage
{
    /// <summary>The same sentence for a user and an address lockout, so it tells nobody which names exist.</summary>
    public static string For(TimeSpan retryAfter) =>
        $"Bastion: too many failed attempts; logins for this account or address are paused. Try again in {Wait(retryAfter)}.";

    /// <summary>"15 min", "4 h".</summary>
    private static string Wait(TimeSpan time) => time <= TimeSpan.FromMinutes(120)
        ? $"{Math.Max(1, Math.Ceiling(time.TotalMinutes)).ToString(CultureInfo.InvariantCulture)} min"
        : $"{Math.Ceiling(time.TotalHours).ToString(CultureInfo.InvariantCulture)} h";
}
