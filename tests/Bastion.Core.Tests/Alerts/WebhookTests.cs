using System.Diagnostics.Metrics;
using System.Text.Json;
using Bastion.Core.Alerts;
using Bastion.Core.Alerts.Webhook;
using Bastion.Core.Audit;
using Bastion.Core.Tests.Support;
using Microsoft.Extensions.Logging;

namespace Bastion.Core.Tests.Alerts;

/// <summary>The webhook sender against a real HTTP listener on 127.0.0.1, fed by a real audit trail.</summary>
public sealed class WebhookTests
{
    private static readonly TimeSpan Wait = TimeSpan.FromSeconds(30);

    [Fact]
    public async Task Alerts_are_posted_as_slack_compatible_json_and_other_records_are_not()
    {
        await using var receiver = WebhookReceiver.Start();
        await using var rig = await Rig.StartAsync(new WebhookOptions { Url = receiver.Url });

        await rig.Trail.AppendNowAsync(new AuditEvent(AuditEventTypes.AuthSuccess) { User = "alice" });
        await rig.Trail.AppendNowAsync(NewNetworkAlert());
        await rig.Sender.FlushAsync();

        var request = Assert.Single(await receiver.WaitForAsync(1, Wait));
        Assert.Equal("POST", request.Method);
        Assert.Equal($"/services/{WebhookReceiver.SecretToken}", request.Path);
        Assert.StartsWith("application/json", request.ContentType, StringComparison.Ordinal);
        using var json = JsonDocument.Parse(request.Body);
        Assert.Equal(
            ":rotating_light: Bastion alert: alice logged in from a new network 127.0.11.0/24 (from 127.0.11.1) at 2026-11-29 18:00 UTC",
            json.RootElement.GetProperty("text").GetString());
        var attachment = json.RootElement.GetProperty("attachments")[0];
        Assert.Equal("warning", attachment.GetProperty("color").GetString());
        var fields = attachment.GetProperty("fields").EnumerateArray()
            .ToDictionary(f => f.GetProperty("title").GetString()!, f => f.GetProperty("value").GetString());
        Assert.Equal("new_source_network", fields["Kind"]);
        Assert.Equal("alice", fields["User"]);
        Assert.Equal("41", fields["Triggered by seq"]);
        Assert.Equal(1, rig.Sender.Delivered);
        Assert.Equal(1, rig.Count("bastion.alerts.webhook.delivered"));
        Assert.DoesNotContain(WebhookReceiver.SecretToken, rig.Log.Text, StringComparison.Ordinal);
    }

    [Fact]
    public async Task A_500_is_retried_with_growing_delays_then_given_up_and_counted()
    {
        await using var receiver = WebhookReceiver.Start();
        receiver.Respond = _ => (500, null);
        var options = new WebhookOptions { Url = receiver.Url, MaxAttempts = 3, BaseDelay = TimeSpan.FromMilliseconds(100) };
        await using var rig = await Rig.StartAsync(options);

        await rig.Trail.AppendNowAsync(NewNetworkAlert());
        await rig.Sender.FlushAsync();

        var requests = receiver.Requests;
        Assert.Equal(3, requests.Count);
        Assert.All(requests, r => Assert.Equal(requests[0].Body, r.Body));
        // Equal jitter never waits less than half a step: ≥ 50 ms, then ≥ 100 ms (the step doubled).
        Assert.True(requests[1].ArrivedAt - requests[0].ArrivedAt >= TimeSpan.FromMilliseconds(45), $"first retry after {requests[1].ArrivedAt - requests[0].ArrivedAt}");
        Assert.True(requests[2].ArrivedAt - requests[1].ArrivedAt >= TimeSpan.FromMilliseconds(95), $"second retry after {requests[2].ArrivedAt - requests[1].ArrivedAt}");
        Assert.Equal(1, rig.Sender.Failed);
        Assert.Equal(0, rig.Sender.Delivered);
        Assert.Equal(1, rig.Count("bastion.alerts.webhook.failed"));
        Assert.Equal(2, rig.Count("bastion.alerts.webhook.retries"));
        var gaveUp = Assert.Single(rig.Log.Lines, l => l.Level == LogLevel.Error);
        Assert.Contains($"alert webhook {receiver.Url.Scheme}://{receiver.Url.Authority}: gave up on alert.new_source_network", gaveUp.Message, StringComparison.Ordinal);
        Assert.Contains("after 3 attempt(s): HTTP 500", gaveUp.Message, StringComparison.Ordinal);
        Assert.Contains("1 alert(s) given up since start", gaveUp.Message, StringComparison.Ordinal);
        Assert.DoesNotContain(WebhookReceiver.SecretToken, rig.Log.Text, StringComparison.Ordinal);
    }

    [Fact]
    public async Task A_400_is_not_retried()
    {
        await using var receiver = WebhookReceiver.Start();
        receiver.Respond = _ => (400, null);
        await using var rig = await Rig.StartAsync(new WebhookOptions { Url = receiver.Url, MaxAttempts = 5, BaseDelay = TimeSpan.FromMilliseconds(10) });

        await rig.Trail.AppendNowAsync(NewNetworkAlert());
        await rig.Sender.FlushAsync();

        Assert.Single(receiver.Requests);
        Assert.Equal(1, rig.Sender.Failed);
        Assert.Equal(0, rig.Count("bastion.alerts.webhook.retries"));
        Assert.Contains("not retried: check the webhook URL and its token", rig.Log.Text, StringComparison.Ordinal);
    }

    [Fact]
    public async Task A_429_honours_retry_after_and_a_later_success_is_delivered()
    {
        await using var receiver = WebhookReceiver.Start();
        receiver.Respond = n => n == 1 ? (429, "1") : (200, null);
        await using var rig = await Rig.StartAsync(new WebhookOptions { Url = receiver.Url, MaxAttempts = 3, BaseDelay = TimeSpan.FromMilliseconds(10) });

        await rig.Trail.AppendNowAsync(NewNetworkAlert());
        await rig.Sender.FlushAsync();

        var requests = receiver.Requests;
        Assert.Equal(2, requests.Count);
        Assert.True(requests[1].ArrivedAt - requests[0].ArrivedAt >= TimeSpan.FromMilliseconds(950), "Retry-After: 1 was not honoured");
        Assert.Equal(1, rig.Sender.Delivered);
        Assert.Equal(0, rig.Sender.Failed);
        Assert.Equal(1, rig.Count("bastion.alerts.webhook.retries"));
    }

    [Fact]
    public async Task A_full_queue_drops_and_counts_instead_of_waiting()
    {
        await using var receiver = WebhookReceiver.Start();
        await using var rig = await Rig.StartAsync(new WebhookOptions { Url = receiver.Url, QueueCapacity = 1 }, start: false);

        for (var i = 0; i < 3; i++)
        {
            await rig.Trail.AppendNowAsync(NewNetworkAlert());
        }

        Assert.Equal(2, rig.Sender.Dropped);
        Assert.Equal(2, rig.Count("bastion.alerts.webhook.dropped"));
        rig.Sender.Start();
        await rig.Sender.FlushAsync();
        Assert.Single(receiver.Requests);
    }

    [Theory]
    [InlineData(2, 0.0, 500)]
    [InlineData(2, 0.999, 999)]
    [InlineData(3, 0.0, 1000)]
    [InlineData(4, 0.0, 2000)]
    [InlineData(20, 0.0, 2500)] // capped at MaxDelay 5 s, halved by the jitter floor
    public void Backoff_doubles_per_attempt_with_jitter_and_a_cap(int nextAttempt, double random, int expectedMs)
    {
        var options = new WebhookOptions { Url = new Uri("https://hooks.example.com/x"), BaseDelay = TimeSpan.FromSeconds(1), MaxDelay = TimeSpan.FromSeconds(5) };
        Assert.Equal(expectedMs, (int)WebhookBackoff.Delay(nextAttempt, options, random).TotalMilliseconds);
        Assert.Equal(TimeSpan.FromSeconds(5), WebhookBackoff.Delay(2, options, 0, TimeSpan.FromMinutes(10)));
    }

    [Fact]
    public void Logs_show_scheme_host_and_port_only()
    {
        Assert.Equal("https://hooks.slack.com", WebhookOptions.SafeEndpointOf(new Uri("https://user:pw@hooks.slack.com/services/T0/B0/XYZ?token=abc")));
    }

    private static AuditEvent NewNetworkAlert() => new(AlertTypes.NewSourceNetwork, AuditSeverity.Warning)
    {
        User = "alice",
        SourceAddress = "127.0.11.1:40000",
        Data = new Dictionary<string, string>
        {
            ["summary"] = "alice logged in from a new network 127.0.11.0/24 (from 127.0.11.1) at 2026-11-29 18:00 UTC",
            ["trigger_seq"] = "41",
            ["network"] = "127.0.11.0/24",
        },
    };

    /// <summary>Store, trail and sender (observing the trail), plus a listener on the sender's own meter.</summary>
    private sealed class Rig : IAsyncDisposable
    {
        private readonly StoreFixture _fixture;
        private readonly MeterListener _listener = new();
        private readonly Dictionary<string, long> _counts = [];

        private Rig(StoreFixture fixture, WebhookOptions options)
        {
            _fixture = fixture;
            Trail = new AuditTrail(fixture.Store);
            Sender = new WebhookAlertSender(options, Metrics, TimeProvider.System, Log);
            Trail.AddObserver(Sender);
            Trail.Start();
            _listener.InstrumentPublished = (instrument, l) =>
            {
                if (ReferenceEquals(instrument.Meter, Metrics.Meter))
                {
                    l.EnableMeasurementEvents(instrument);
                }
            };
            _listener.SetMeasurementEventCallback<long>((instrument, value, _, _) =>
            {
                lock (_counts)
                {
                    _counts[instrument.Name] = _counts.GetValueOrDefault(instrument.Name) + value;
                }
            });
            _listener.Start();
        }

        public AlertMetrics Metrics { get; } = new();

        public CapturingLogger<WebhookAlertSender> Log { get; } = new();

        public AuditTrail Trail { get; }

        public WebhookAlertSender Sender { get; }

        public static async Task<Rig> StartAsync(WebhookOptions options, bool start = true)
        {
            var rig = new Rig(await StoreFixture.CreateAsync(), options);
            if (start)
            {
                rig.Sender.Start();
            }
            return rig;
        }

        public long Count(string instrument)
        {
            lock (_counts)
            {
                return _counts.GetValueOrDefault(instrument);
            }
        }

        public async ValueTask DisposeAsync()
        {
            await Sender.DisposeAsync();
            await Trail.DisposeAsync();
            _listener.Dispose();
            Metrics.Dispose();
            await _fixture.DisposeAsync();
        }
    }
}
