using Bastion.Core.Alerts;
using Bastion.Core.Alerts.Webhook;

namespace Bastion.Hosting.Configuration;

/// <summary>
/// Bastion:Alerts — anomaly detection (on by default) and the optional webhook its findings are posted to. Only
/// <c>serve</c> runs detection; the CLI and the admin app just write audit events it will see.
/// </summary>
public sealed class AlertOptions
{
    public bool Enabled { get; set; } = true;

    /// <summary>Slack-compatible incoming webhook; empty: alerts go to the audit trail and the log only. May hold a token.</summary>
    public string? WebhookUrl { get; set; }

    public int WebhookMaxAttempts { get; set; } = 5;

    public int WebhookBaseDelayMilliseconds { get; set; } = 1000;

    public int WebhookMaxDelaySeconds { get; set; } = 60;

    public int WebhookTimeoutSeconds { get; set; } = 10;

    public int WebhookQueueCapacity { get; set; } = 1000;

    public int NewNetworkPrefixV4 { get; set; } = 24;

    public int NewNetworkPrefixV6 { get; set; } = 64;

    /// <summary>See <see cref="AnomalyDetectionOptions.AlertOnFirstEverLogin"/> for why this is off by default.</summary>
    public bool AlertOnFirstEverLogin { get; set; }

    public int MinLoginsForHourBaseline { get; set; } = 20;

    public int HourTolerance { get; set; } = 1;

    /// <summary>IANA id such as "Europe/Berlin" for unusual-hour alerts; default UTC.</summary>
    public string TimeZone { get; set; } = "UTC";

    public int MfaFailureBurstThreshold { get; set; } = 5;

    public int MfaFailureBurstWindowSeconds { get; set; } = 300;

    public int DetectorQueueCapacity { get; set; } = 10_000;

    public IReadOnlyList<string> Validate()
    {
        var errors = new List<string>();
        if (!string.IsNullOrWhiteSpace(WebhookUrl)
            && (!Uri.TryCreate(WebhookUrl, UriKind.Absolute, out var url) || url.Scheme is not ("http" or "https") || string.IsNullOrEmpty(url.Host)))
        {
            // Never echo the value: it may carry the webhook's secret token.
            errors.Add("Bastion:Alerts:WebhookUrl is not an absolute http(s) URL; paste the whole incoming-webhook URL (e.g. https://hooks.slack.com/services/…) or leave it empty");
        }
        Range(errors, "WebhookMaxAttempts", WebhookMaxAttempts, 1, 20);
        Range(errors, "WebhookBaseDelayMilliseconds", WebhookBaseDelayMilliseconds, 1, 600_000);
        Range(errors, "WebhookMaxDelaySeconds", WebhookMaxDelaySeconds, 1, 3600);
        Range(errors, "WebhookTimeoutSeconds", WebhookTimeoutSeconds, 1, 300);
        Range(errors, "WebhookQueueCapacity", WebhookQueueCapacity, 1, 1_000_000);
        Range(errors, "NewNetworkPrefixV4", NewNetworkPrefixV4, 8, 32);
        Range(errors, "NewNetworkPrefixV6", NewNetworkPrefixV6, 16, 128);
        Range(errors, "MinLoginsForHourBaseline", MinLoginsForHourBaseline, 1, 100_000);
        Range(errors, "HourTolerance", HourTolerance, 0, 11);
        Range(errors, "MfaFailureBurstThreshold", MfaFailureBurstThreshold, 2, 100_000);
        Range(errors, "MfaFailureBurstWindowSeconds", MfaFailureBurstWindowSeconds, 10, 86_400);
        Range(errors, "DetectorQueueCapacity", DetectorQueueCapacity, 1, 10_000_000);
        if (!TimeZoneInfo.TryFindSystemTimeZoneById(TimeZone ?? "", out _))
        {
            errors.Add($"Bastion:Alerts:TimeZone \"{TimeZone}\" is not a known time zone; use an IANA id such as UTC or Europe/Berlin (is tzdata installed?)");
        }
        return errors;
    }

    public AnomalyDetectionOptions ToDetectionOptions() => new()
    {
        NewNetworkPrefixV4 = NewNetworkPrefixV4,
        NewNetworkPrefixV6 = NewNetworkPrefixV6,
        AlertOnFirstEverLogin = AlertOnFirstEverLogin,
        MinLoginsForHourBaseline = MinLoginsForHourBaseline,
        HourTolerance = HourTolerance,
        TimeZone = TimeZoneInfo.FindSystemTimeZoneById(TimeZone),
        MfaFailureBurstThreshold = MfaFailureBurstThreshold,
        MfaFailureBurstWindow = TimeSpan.FromSeconds(MfaFailureBurstWindowSeconds),
        QueueCapacity = DetectorQueueCapacity,
    };

    /// <summary>Null when no webhook is configured.</summary>
    public WebhookOptions? ToWebhookOptions() => string.IsNullOrWhiteSpace(WebhookUrl) ? null : new WebhookOptions
    {
        Url = new Uri(WebhookUrl),
        MaxAttempts = WebhookMaxAttempts,
        BaseDelay = TimeSpan.FromMilliseconds(WebhookBaseDelayMilliseconds),
        MaxDelay = TimeSpan.FromSeconds(WebhookMaxDelaySeconds),
        AttemptTimeout = TimeSpan.FromSeconds(WebhookTimeoutSeconds),
        QueueCapacity = WebhookQueueCapacity,
    };

    private static void Range(List<string> errors, string key, long value, long min, long max)
    {
        if (value < min || value > max)
        {
            errors.Add($"Bastion:Alerts:{key} {value} is outside {min}..{max}");
        }
    }
}
