namespace Bastion.Core.Alerts.Webhook;

/// <summary>Where and how alerts are POSTed. The URL may carry a secret token: it is never logged whole.</summary>
public sealed class WebhookOptions
{
    public required Uri Url { get; init; }

    /// <summary>Attempts per alert, the first included.</summary>
    public int MaxAttempts { get; init; } = 5;

    /// <summary>Wait before the second attempt; doubles for each further one (with jitter), up to <see cref="MaxDelay"/>.</summary>
    public TimeSpan BaseDelay { get; init; } = TimeSpan.FromSeconds(1);

    public TimeSpan MaxDelay { get; init; } = TimeSpan.FromMinutes(1);

    /// <summary>One attempt (connect, send, response headers) may take this long.</summary>
    public TimeSpan AttemptTimeout { get; init; } = TimeSpan.FromSeconds(10);

    /// <summary>Alerts waiting for delivery; beyond this they are dropped (and counted; they stay in the audit trail).</summary>
    public int QueueCapacity { get; init; } = 1000;

    /// <summary>"https://hooks.slack.com" — what logs may show of <see cref="Url"/>.</summary>
    public string SafeEndpoint => SafeEndpointOf(Url);

    /// <summary>Scheme, host and port only: paths, queries and user info of webhook URLs hold tokens.</summary>
    public static string SafeEndpointOf(Uri url) => url.GetComponents(UriComponents.SchemeAndServer, UriFormat.UriEscaped);
}
