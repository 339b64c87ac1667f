using Bastion.Core.Audit;
using Bastion.Core.Store;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Abstractions;

namespace Bastion.Core.Alerts;

/// <summary>
/// Watches the audit trail for anomalies and appends each finding as an "alert.KIND" event. As an observer it only
/// queues (bounded; a full queue drops and counts, it never waits), so sessions are never slowed; a background loop
/// started with <see cref="Start"/> evaluates the detectors. Baselines live in the shared store, so several gateway
/// nodes learn together and raise one alert per fact. Store errors are logged and the record is skipped.
/// </summary>
public sealed class AnomalyDetector : IAuditRecordObserver, IAsyncDisposable
{
    private readonly AuditTrail _trail;
    private readonly AlertMetrics _metrics;
    private readonly ILogger _logger;
    private readonly IReadOnlyList<IAnomalyRule> _rules;
    private readonly BackgroundQueue<AuditRecord> _queue;
    private long _dropped;

    /// <param name="counters">Where the failure-burst rule counts (the store's failure counters, shared by all nodes).</param>
    public AnomalyDetector(IAnomalyBaselineStore baselines, IAuthFailureStore counters, AuditTrail trail, AnomalyDetectionOptions options,
        AlertMetrics metrics, TimeProvider timeProvider, ILogger<AnomalyDetector>? logger = null)
    {
        ArgumentNullException.ThrowIfNull(baselines);
        ArgumentNullException.ThrowIfNull(counters);
        ArgumentNullException.ThrowIfNull(options);
        ArgumentNullException.ThrowIfNull(timeProvider);
        _trail = trail ?? throw new ArgumentNullException(nameof(trail));
        _metrics = metrics ?? throw new ArgumentNullException(nameof(metrics));
        _logger = logger ?? NullLogger<AnomalyDetector>.Instance;
        _rules =
        [
            new NewSourceNetworkRule(baselines, options, timeProvider),
            new UnusualHourRule(baselines, options),
            new FailureBurstRule(counters, baselines, options, timeProvider),
            new CounterRegressionRule(),
            new UserLockoutRule(),
            FirstAccessRule.ForTarget(baselines, options),
            FirstAccessRule.ForAccount(baselines, options),
        ];
        _queue = new BackgroundQueue<AuditRecord>(options.QueueCapacity, "anomaly detector", EvaluateAsync);
    }

    /// <summary>Records not evaluated because the queue was full.</summary>
    public long Dropped => Interlocked.Read(ref _dropped);

    /// <summary>Starts the evaluation loop; further calls do nothing.</summary>
    public void Start() => _queue.Start();

    /// <inheritdoc />
    public void OnStored(IReadOnlyList<AuditRecord> records)
    {
        foreach (var record in records)
        {
            // Our own findings are audit records too: never evaluate them (no alert loops).
            if (AlertTypes.IsAlert(record.Type) || !_rules.Any(r => r.Handles(record.Type)))
            {
                continue;
            }
            if (!_queue.TryEnqueue(record) && !_queue.Stopping)
            {
                var dropped = Interlocked.Increment(ref _dropped);
                _metrics.DetectorDropped();
                if (dropped == 1 || dropped % 1000 == 0)
                {
                    _logger.LogWarning("anomaly detection is behind: {Dropped} audit records dropped unevaluated so far (queue full); seq {Seq} was one", dropped, record.Seq);
                }
            }
        }
    }

    /// <summary>Waits until every record queued before this call is evaluated and its alerts are queued in the trail.</summary>
    public Task FlushAsync(CancellationToken ct = default) => _queue.FlushAsync(ct);

    /// <summary>Stops taking records and evaluates what is queued, unless <paramref name="ct"/> fires first.</summary>
    public async Task StopAsync(CancellationToken ct = default)
    {
        // The trail keeps calling OnStored after this (observers stay registered): those records are ignored, not "dropped".
        if (await _queue.StopAsync(ct).ConfigureAwait(false) is { } left)
        {
            _logger.LogWarning("anomaly detection stopped with {Count} audit records unevaluated", left);
        }
    }

    public async ValueTask DisposeAsync()
    {
        await StopAsync().ConfigureAwait(false);
        _queue.Dispose();
    }

    private async Task EvaluateAsync(AuditRecord record, CancellationToken abort)
    {
        foreach (var rule in _rules)
        {
            if (rule.Handles(record.Type))
            {
                await EvaluateAsync(rule, record, abort).ConfigureAwait(false);
            }
        }
    }

    private async Task EvaluateAsync(IAnomalyRule rule, AuditRecord record, CancellationToken abort)
    {
        AuditEvent? alert;
        try
        {
            alert = await rule.EvaluateAsync(record, abort).ConfigureAwait(false);
        }
        catch (Exception ex) when (ex is not OperationCanceledException || !abort.IsCancellationRequested)
        {
            _logger.LogError(ex, "anomaly detector {Detector} could not evaluate audit record {Seq} ({Type}); skipped it, detection goes on",
                rule.GetType().Name, record.Seq, record.Type);
            return;
        }
        if (alert is null)
        {
            return;
        }
        try
        {
            await _trail.AppendAsync(alert, abort).ConfigureAwait(false);
        }
        catch (InvalidOperationException ex)
        {
            _logger.LogError(ex, "could not record alert {Type} for audit record {Seq}: the audit trail is stopped", alert.Type, record.Seq);
            return;
        }
        _metrics.Raised(alert.Type);
        _logger.LogWarning("alert {Type}: {Summary} (audit seq {Seq})", alert.Type, alert.Data["summary"], record.Seq);
    }
}
