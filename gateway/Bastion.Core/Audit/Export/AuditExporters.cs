using System.Diagnostics.Metrics;
using Microsoft.Extensions.Logging;

namespace Bastion.Core.Audit.Export;

/// <summary>
/// The exporters enabled in <see cref="AuditExportOptions"/>, built, attached to an <see cref="AuditTrail"/> and
/// started together. Stop them after the trail has been drained, so its last records are still sent.
/// </summary>
public sealed class AuditExporters : IAsyncDisposable
{
    private readonly AuditExportMetrics _metrics;
    private readonly TimeSpan _drain;
    private int _stopped;

    private AuditExporters(IReadOnlyList<AuditExporter> exporters, AuditExportMetrics metrics, TimeSpan drain)
    {
        Exporters = exporters;
        _metrics = metrics;
        _drain = drain;
    }

    public IReadOnlyList<AuditExporter> Exporters { get; }

    /// <summary>
    /// Builds the enabled exporters (none if nothing is enabled). <paramref name="stdout"/> defaults to
    /// <see cref="Console.Out"/>; <paramref name="meterFactory"/> to a meter owned by the set.
    /// </summary>
    public static AuditExporters Create(AuditExportOptions options, TimeProvider time, ILoggerFactory loggers,
        IMeterFactory? meterFactory = null, TextWriter? stdout = null)
    {
        ArgumentNullException.ThrowIfNull(options);
        var errors = options.Validate();
        if (errors.Count > 0)
        {
            throw new ArgumentException("invalid audit export settings: " + string.Join("; ", errors), nameof(options));
        }
        var metrics = new AuditExportMetrics(meterFactory);
        var logger = loggers.CreateLogger<AuditExporter>();
        var interval = TimeSpan.FromSeconds(options.WarningIntervalSeconds);
        var exporters = new List<AuditExporter>();
        var host = options.EffectiveHostName;
        if (options.Stdout.Enabled)
        {
            IAuditFormatter json = new JsonLinesFormatter();
            var formatter = options.Stdout.LevelPrefix ? new LevelPrefixFormatter(json) : json;
            exporters.Add(new AuditExporter("stdout", formatter, new StdoutTransport(stdout ?? Console.Out),
                options.Stdout.QueueCapacity, interval, metrics, time, logger));
        }
        if (options.Gelf.Enabled)
        {
            var gelf = options.Gelf;
            IAuditTransport transport = gelf.Transport == ExportTransport.Tcp
                ? Tcp(gelf, TcpFraming.NullTerminated, time)
                : new UdpTransport(gelf.Host, gelf.Port, new GelfChunker(gelf.MaxChunkSize));
            exporters.Add(new AuditExporter("gelf", new GelfFormatter(host), transport, gelf.QueueCapacity, interval, metrics, time, logger));
        }
        if (options.Syslog.Enabled)
        {
            var syslog = options.Syslog;
            SyslogFacility.TryParse(syslog.Facility, out var facility);
            IAuditTransport transport = syslog.Transport == ExportTransport.Tcp
                ? Tcp(syslog, TcpFraming.OctetCounting, time)
                : new UdpTransport(syslog.Host, syslog.Port);
            var formatter = new Rfc5424Formatter(facility, host, syslog.AppName, Environment.ProcessId);
            exporters.Add(new AuditExporter("syslog", formatter, transport, syslog.QueueCapacity, interval, metrics, time, logger));
        }
        foreach (var exporter in exporters)
        {
            logger.LogInformation("audit export {Exporter} to {Destination}", exporter.Name, exporter.Destination);
        }
        return new AuditExporters(exporters, metrics, TimeSpan.FromSeconds(options.DrainSeconds));
    }

    /// <summary>Adds every exporter as an observer of <paramref name="trail"/> and starts them.</summary>
    public void AttachAndStart(AuditTrail trail)
    {
        ArgumentNullException.ThrowIfNull(trail);
        foreach (var exporter in Exporters)
        {
            trail.AddObserver(exporter);
            exporter.Start();
        }
    }

    /// <summary>Sends what is queued, all exporters in parallel, for at most the configured drain time.</summary>
    public async Task StopAsync()
    {
        if (Interlocked.Exchange(ref _stopped, 1) == 1)
        {
            return;
        }
        await Task.WhenAll(Exporters.Select(e => e.StopAsync(_drain))).ConfigureAwait(false);
        _metrics.Dispose();
    }

    public async ValueTask DisposeAsync() => await StopAsync().ConfigureAwait(false);

    private static TcpTransport Tcp(NetworkExportOptions options, TcpFraming framing, TimeProvider time) =>
        new(options.Host, options.Port, framing, TimeSpan.FromSeconds(options.ConnectTimeoutSeconds),
            TimeSpan.FromSeconds(options.SendTimeoutSeconds), options.SendBufferBytes, time);
}
