using System.Diagnostics.Metrics;

namespace Bastion.Core.Alerts;

/// <summary>
/// Counters of the "Bastion.Alerts" meter. One instance per host (not static), so tests can listen to their own
/// instance without seeing other tests' alerts.
/// </summary>
public sealed class AlertMetrics : IDisposable
{
    public const string MeterName = "Bastion.Alerts";

    private readonly Counter<long> _raised;
    private readonly Counter<long> _delivered;
    private readonly Counter<long> _failed;
    private readonly Counter<long> _retries;
    private readonly Counter<long> _dropped;
    private readonly Counter<long> _detectorDropped;

    public AlertMetrics()
    {
        Meter = new Meter(MeterName);
        _raised = Meter.CreateCounter<long>("bastion.alerts.raised", "{alert}", "Anomaly alerts raised, by kind");
        _delivered = Meter.CreateCounter<long>("bastion.alerts.webhook.delivered", "{alert}", "Alerts the webhook accepted");
        _failed = Meter.CreateCounter<long>("bastion.alerts.webhook.failed", "{alert}", "Alerts given up after the last attempt or a permanent refusal");
        _retries = Meter.CreateCounter<long>("bastion.alerts.webhook.retries", "{attempt}", "Webhook attempts repeated after a 5xx, 429, timeout or network error");
        _dropped = Meter.CreateCounter<long>("bastion.alerts.webhook.dropped", "{alert}", "Alerts not sent because the webhook queue was full");
        _detectorDropped = Meter.CreateCounter<long>("bastion.alerts.detector.dropped", "{record}", "Audit records not evaluated because the detector queue was full");
    }

    public Meter Meter { get; }

    public void Raised(string alertType) => _raised.Add(1, new KeyValuePair<string, object?>("kind", AlertTypes.KindOf(alertType)));

    public void Delivered() => _delivered.Add(1);

    public void Failed() => _failed.Add(1);

    public void Retried() => _retries.Add(1);

    public void Dropped() => _dropped.Add(1);

    public void DetectorDropped() => _detectorDropped.Add(1);

    public void Dispose() => Meter.Dispose();
}
