using System.Diagnostics.Metrics;

namespace Bastion.Core.Audit.Export;

/// <summary>
/// The "Bastion.Audit.Export" meter: counters of records sent, dropped (queue full, or abandoned at shutdown) and
/// failed send attempts, and the queue depth, each tagged with the exporter's name. The meter comes from the host's
/// <see cref="IMeterFactory"/> when there is one, otherwise it is owned (and disposed) here.
/// </summary>
public sealed class AuditExportMetrics : IDisposable
{
    public const string MeterName = "Bastion.Audit.Export";

    private readonly Meter _meter;
    private readonly bool _ownsMeter;
    private readonly Lock _lock = new();
    private readonly List<AuditExporter> _exporters = [];

    public AuditExportMetrics(IMeterFactory? meterFactory = null)
    {
        _ownsMeter = meterFactory is null;
        _meter = meterFactory?.Create(MeterName) ?? new Meter(MeterName);
        Sent = _meter.CreateCounter<long>("bastion.audit.export.sent", "{record}", "Audit records handed to the receiver");
        Dropped = _meter.CreateCounter<long>("bastion.audit.export.dropped", "{record}", "Audit records discarded unsent (queue full or shutdown deadline)");
        Failed = _meter.CreateCounter<long>("bastion.audit.export.failed", "{attempt}", "Failed attempts to send an audit record");
        _meter.CreateObservableGauge("bastion.audit.export.queue_depth", ObserveQueueDepths, "{record}", "Audit records waiting to be sent");
    }

    internal Counter<long> Sent { get; }

    internal Counter<long> Dropped { get; }

    internal Counter<long> Failed { get; }

    internal void Register(AuditExporter exporter)
    {
        lock (_lock)
        {
            _exporters.Add(exporter);
        }
    }

    private IEnumerable<Measurement<int>> ObserveQueueDepths()
    {
        lock (_lock)
        {
            return _exporters.Select(e => new Measurement<int>(e.QueueDepth, new KeyValuePair<string, object?>("exporter", e.Name))).ToArray();
        }
    }

    public void Dispose()
    {
        if (_ownsMeter)
        {
            _meter.Dispose();
        }
    }
}
