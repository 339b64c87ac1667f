using Bastion.Hosting.Configuration;
using Bastion.Gateway.Tests.Infrastructure;

namespace Bastion.Gateway.Tests.Configuration;

public sealed class AlertOptionsTests
{
    [Fact]
    public void Defaults_are_valid_detection_on_without_webhook()
    {
        var options = new AlertOptions();
        Assert.Empty(options.Validate());
        Assert.True(options.Enabled);
        Assert.Null(options.ToWebhookOptions());
        var detection = options.ToDetectionOptions();
        Assert.Equal(24, detection.NewNetworkPrefixV4);
        Assert.Equal(64, detection.NewNetworkPrefixV6);
        Assert.False(detection.AlertOnFirstEverLogin);
        Assert.Equal(20, detection.MinLoginsForHourBaseline);
        Assert.Equal(1, detection.HourTolerance);
        Assert.Equal(TimeZoneInfo.Utc.BaseUtcOffset, detection.TimeZone.BaseUtcOffset);
        Assert.Equal(5, detection.MfaFailureBurstThreshold);
        Assert.Equal(TimeSpan.FromMinutes(5), detection.MfaFailureBurstWindow);
    }

    [Fact]
    public void Each_bad_setting_names_its_key_and_the_webhook_url_is_never_echoed()
    {
        var errors = new AlertOptions
        {
            WebhookUrl = "ftp://hooks.example.com/services/SECRET-TOKEN",
            WebhookMaxAttempts = 0,
            NewNetworkPrefixV4 = 33,
            HourTolerance = 12,
            TimeZone = "Mars/Olympus_Mons",
            MfaFailureBurstThreshold = 1,
        }.Validate();

        Assert.Equal(6, errors.Count);
        Assert.Contains(errors, e => e.StartsWith("Bastion:Alerts:WebhookUrl is not an absolute http(s) URL", StringComparison.Ordinal));
        Assert.Contains(errors, e => e.StartsWith("Bastion:Alerts:WebhookMaxAttempts 0 is outside 1..20", StringComparison.Ordinal));
        Assert.Contains(errors, e => e.StartsWith("Bastion:Alerts:NewNetworkPrefixV4 33 is outside 8..32", StringComparison.Ordinal));
        Assert.Contains(errors, e => e.StartsWith("Bastion:Alerts:HourTolerance 12", StringComparison.Ordinal));
        Assert.Contains(errors, e => e.StartsWith("Bastion:Alerts:TimeZone \"Mars/Olympus_Mons\" is not a known time zone", StringComparison.Ordinal));
        Assert.Contains(errors, e => e.StartsWith("Bastion:Alerts:MfaFailureBurstThreshold 1", StringComparison.Ordinal));
        Assert.DoesNotContain(errors, e => e.Contains("SECRET-TOKEN", StringComparison.Ordinal));
    }

    [Fact]
    public void Webhook_settings_map_to_the_sender()
    {
        var webhook = new AlertOptions
        {
            WebhookUrl = "https://hooks.slack.com/services/T0/B0/XYZ",
            WebhookMaxAttempts = 3,
            WebhookBaseDelayMilliseconds = 250,
            WebhookTimeoutSeconds = 7,
        }.ToWebhookOptions();

        Assert.NotNull(webhook);
        Assert.Equal("https://hooks.slack.com", webhook.SafeEndpoint);
        Assert.Equal(3, webhook.MaxAttempts);
        Assert.Equal(TimeSpan.FromMilliseconds(250), webhook.BaseDelay);
        Assert.Equal(TimeSpan.FromSeconds(7), webhook.AttemptTimeout);
    }

    [Fact]
    public async Task Serve_refuses_a_bad_alert_setting_with_the_key_to_fix()
    {
        using var dir = new TempDirectory("bastion-alert-config");
        var result = await GatewayCli.RunAsync(dir.SubDirectory("data"), "serve", "--port", LoopbackAddresses.FreePort().ToString(System.Globalization.CultureInfo.InvariantCulture),
            "--Bastion:Alerts:WebhookUrl=hooks.slack.com/services/SECRET-TOKEN", "--Bastion:Alerts:MfaFailureBurstWindowSeconds=1");

        Assert.Equal(2, result.ExitCode);
        Assert.Contains("Bastion:Alerts:WebhookUrl is not an absolute http(s) URL", result.StandardError, StringComparison.Ordinal);
        Assert.Contains("Bastion:Alerts:MfaFailureBurstWindowSeconds 1 is outside 10..86400", result.StandardError, StringComparison.Ordinal);
        Assert.DoesNotContain("SECRET-TOKEN", result.StandardError + result.StandardOutput, StringComparison.Ordinal);
    }
}
