using System.Diagnostics.Metrics;
using System.Text;
using Bastion.Core.Audit;
using Bastion.Core.Audit.Export;
using Bastion.Core.Tests.Support;
using Microsoft.Extensions.Logging;

namespace Bastion.Core.Tests.Audit.Export;

public sealed class AuditExporterTests
{
    [Fact]
    public async Task A_full_queue_drops_the_oldest_counts_and_never_blocks_the_caller()
    {
        const int capacity = 8;
        const int offered = 5000;
        var time = new ManualTimeProvider();
        var log = new CollectingLogger();
        using var metrics = new AuditExportMetrics();
        using var listener = new MetricTotals(AuditExportMetrics.MeterName);
        var transport = new StuckTransport();
        await using var exporter = new AuditExporter("test", new JsonLinesFormatter(), transport, capacity, TimeSpan.FromSeconds(10), metrics, time, log);
        exporter.Start();

        exporter.OnStored([ExportRecords.AuthSuccess(seq: 1)]);
        await transport.FirstSendStarted.Task.WaitAsync(TimeSpan.FromSeconds(30)); // record 1 is now in flight, stuck

        // Every call must return although nothing is being sent: run them off the test thread and bound the wait, so
        // a blocking OnStored fails the test instead of hanging it.
        var calls = 0;
        var flood = Task.Run(() =>
        {
            for (var seq = 2; seq <= offered; seq++)
            {
                exporter.OnStored([ExportRecords.AuthSuccess(seq: seq)]);
                calls++;
            }
        });
        await flood.WaitAsync(TimeSpan.FromSeconds(60));

        Assert.Equal(offered - 1, calls);
        Assert.Equal(capacity, exporter.QueueDepth);
        Assert.Equal(offered - 1 - capacity, exporter.Dropped);
        Assert.Equal(0, exporter.Sent);
        listener.Collect();
        Assert.Equal(offered - 1 - capacity, listener.Total("bastion.audit.export.dropped", "test"));
        Assert.Equal(capacity, listener.Last("bastion.audit.export.queue_depth", "test"));

        // One warning for thousands of drops, with the running count; the next only after the interval.
        var warnings = log.Entries.Where(e => e.Level == LogLevel.Warning).ToList();
        var first = Assert.Single(warnings);
        Assert.Contains("1 records dropped so far", first.Text, StringComparison.Ordinal);
        time.Advance(TimeSpan.FromSeconds(11));
        exporter.OnStored([ExportRecords.AuthSuccess(seq: offered + 1)]);
        warnings = log.Entries.Where(e => e.Level == LogLevel.Warning).ToList();
        Assert.Equal(2, warnings.Count);
        Assert.Contains($"{offered - capacity} records dropped so far", warnings[1].Text, StringComparison.Ordinal);

        // Released, the exporter sends what it kept: the in-flight record and the newest <capacity> ones.
        transport.Release();
        await exporter.StopAsync(TimeSpan.FromSeconds(30));
        Assert.Equal(1 + capacity, transport.Delivered);
        Assert.Equal(1 + capacity, exporter.Sent);
    }

    [Fact]
    public async Task Records_still_queued_at_the_drain_deadline_are_counted_as_dropped()
    {
        using var metrics = new AuditExportMetrics();
        var transport = new StuckTransport();
        var log = new CollectingLogger();
        var exporter = new AuditExporter("deadline", new JsonLinesFormatter(), transport, 100, TimeSpan.FromSeconds(10), metrics, TimeProvider.System, log);
        exporter.Start();
        exporter.OnStored([.. Enumerable.Range(1, 5).Select(i => ExportRecords.AuthSuccess(seq: i))]);
        await transport.FirstSendStarted.Task.WaitAsync(TimeSpan.FromSeconds(30));

        await exporter.StopAsync(TimeSpan.FromMilliseconds(200)).WaitAsync(TimeSpan.FromSeconds(30));

        Assert.Equal(5, exporter.Dropped);
        Assert.Equal(0, exporter.Sent);
        exporter.OnStored([ExportRecords.AuthSuccess(seq: 6)]);
        Assert.Equal(6, exporter.Dropped);
        Assert.Contains(log.Entries, e => e.Text.Contains("stopped: 0 sent", StringComparison.Ordinal) && e.Text.Contains("5 dropped", StringComparison.Ordinal));
    }

    [Fact]
    public async Task Stdout_lines_carry_the_journald_level_prefix_and_the_audit_jsonl_fields()
    {
        var output = new StringWriter();
        var options = new AuditExportOptions { Stdout = { Enabled = true } };
        await using (var exporters = AuditExporters.Create(options, TimeProvider.System, new CollectingLogger(), stdout: output))
        {
            var exporter = Assert.Single(exporters.Exporters);
            exporter.Start();
            exporter.OnStored([ExportRecords.AuthSuccess(seq: 1), ExportRecords.AuthSuccess(seq: 2, severity: AuditSeverity.Warning)]);
        }

        var lines = output.ToString().Split('\n', StringSplitOptions.RemoveEmptyEntries);
        Assert.Equal(2, lines.Length);
        var expected = Encoding.UTF8.GetString(AuditJsonLines.Serialize([ExportRecords.AuthSuccess(seq: 1)])).TrimEnd('\n');
        Assert.Equal("<6>" + expected, lines[0]);
        Assert.StartsWith("<4>{\"seq\":2,", lines[1], StringComparison.Ordinal);
        Assert.DoesNotContain('\u001b', output.ToString());
    }

    [Fact]
    public void Options_errors_name_the_key_to_fix()
    {
        var options = new AuditExportOptions
        {
            Gelf = { Enabled = true, Host = "", Port = 0, MaxChunkSize = 100, QueueCapacity = 0 },
            Syslog = { Enabled = true, Host = "h", Facility = "nonsense", AppName = "has space" },
        };
        var errors = options.Validate();
        Assert.Contains(errors, e => e.StartsWith("Bastion:Audit:Export:Gelf:Host is empty", StringComparison.Ordinal));
        Assert.Contains(errors, e => e.StartsWith("Bastion:Audit:Export:Gelf:Port 0", StringComparison.Ordinal));
        Assert.Contains(errors, e => e.StartsWith("Bastion:Audit:Export:Gelf:MaxChunkSize 100", StringComparison.Ordinal));
        Assert.Contains(errors, e => e.StartsWith("Bastion:Audit:Export:Gelf:QueueCapacity 0", StringComparison.Ordinal));
        Assert.Contains(errors, e => e.StartsWith("Bastion:Audit:Export:Syslog:Facility \"nonsense\"", StringComparison.Ordinal));
        Assert.Contains(errors, e => e.StartsWith("Bastion:Audit:Export:Syslog:AppName", StringComparison.Ordinal));
        Assert.Empty(new AuditExportOptions().Validate());
    }
}

/// <summary>Sums counters and keeps the last gauge value per exporter tag, from a real <see cref="MeterListener"/>.</summary>
internal sealed class MetricTotals : IDisposable
{
    private readonly MeterListener _listener = new();
    private readonly Lock _lock = new();
    private readonly Dictionary<(string, string), long> _totals = [];
    private readonly Dictionary<(string, string), long> _last = [];

    public MetricTotals(string meterName)
    {
        _listener.InstrumentPublished = (instrument, l) =>
        {
            if (instrument.Meter.Name == meterName)
            {
                l.EnableMeasurementEvents(instrument);
            }
        };
        _listener.SetMeasurementEventCallback<long>((instrument, value, tags, _) => Record(instrument, value, tags, sum: true));
        _listener.SetMeasurementEventCallback<int>((instrument, value, tags, _) => Record(instrument, value, tags, sum: false));
        _listener.Start();
    }

    public void Collect() => _listener.RecordObservableInstruments();

    public long Total(string instrument, string exporter) { lock (_lock) { return _totals.GetValueOrDefault((instrument, exporter)); } }

    public long Last(string instrument, string exporter) { lock (_lock) { return _last.GetValueOrDefault((instrument, exporter)); } }

    private void Record(Instrument instrument, long value, ReadOnlySpan<KeyValuePair<string, object?>> tags, bool sum)
    {
        var exporter = "";
        foreach (var tag in tags)
        {
            if (tag.Key == "exporter")
            {
                exporter = tag.Value as string ?? "";
            }
        }
        lock (_lock)
        {
            var key = (instrument.Name, exporter);
            _totals[key] = _totals.GetValueOrDefault(key) + (sum ? value : 0);
            _last[key] = value;
        }
    }

    public void Dispose() => _listener.Dispose();
}
