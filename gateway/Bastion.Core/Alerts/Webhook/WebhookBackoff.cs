namespace Bastion.Core.Alerts.Webhook;

/// <summary>Exponential backoff with jitter, so many gateways retrying one receiver do not hit it in step.</summary>
internal static class WebhookBackoff
{
    /// <summary>
    /// Wait before attempt <paramref name="nextAttempt"/> (2 for the first retry): BaseDelay·2^(n−2), capped at
    /// MaxDelay, then scaled by a random factor in [0.5, 1.0) ("equal jitter": never less than half the step).
    /// A receiver's Retry-After (429) is honoured up to MaxDelay.
    /// </summary>
    public static TimeSpan Delay(int nextAttempt, WebhookOptions options, double random01, TimeSpan? retryAfter = null)
    {
        var exponent = Math.Clamp(nextAttempt - 2, 0, 30);
        var step = Math.Min(options.BaseDelay.TotalMilliseconds * Math.Pow(2, exponent), options.MaxDelay.TotalMilliseconds);
        var delay = TimeSpan.FromMilliseconds(step * (0.5 + (0.5 * Math.Clamp(random01, 0, 1))));
        if (retryAfter is { } asked && asked > delay)
        {
            delay = asked < options.MaxDelay ? asked : options.MaxDelay;
        }
        return delay;
    }
}
