using System.Diagnostics;
using System.Threading.Channels;
using Microsoft.Extensions.Logging;

namespace Bastion.Core.Audit.Export;

/// <summary>
/// Forwards stored audit records to one receiver without ever holding up the audit trail or a session:
/// <see cref="OnStored"/> only writes into a bounded queue (never waits), and a background loop formats and sends.
/// When the queue is full the <em>oldest</em> waiting record is dropped: the database and audit.jsonl keep every
/// record and each message carries its seq, so a gap is visible and can be filled from the trail, while what the
/// receiver gets after an outage is current — that is what alerting needs. Drops and failures are counted
/// (<see cref="AuditExportMetrics"/>) and logged at most once per interval with the running totals.
/// </summary>
public sealed class AuditExporter : IAuditRecordObserver, IAsyncDisposable
{
    private readonly IAuditFormatter _formatter;
    private readonly IAuditTransport _transport;
    private readonly int _capacity;
    private readonly TimeProvider _time;
    private readonly ILogger _logger;
    private readonly AuditExportMetrics _metrics;
    private readonly Channel<AuditRecord> _queue;
    private readonly CancellationTokenSource _abort = new();
    private readonly WarningRateLimit _dropWarnings;
    private readonly WarningRateLimit _failureWarnings;
    private readonly ReconnectBackoff _backoff = new();
    private readonly TagList _tags;
    private readonly Lock _startLock = new();
    private Task? _loop;
    private long _sent;
    private long _failed;
    private long _dropped;

    public AuditExporter(string name, IAuditFormatter formatter, IAuditTransport transport, int queueCapacity, TimeSpan warningInterval,
        AuditExportMetrics metrics, TimeProvider time, ILogger logger)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(queueCapacity, 1);
        Name = name;
        _formatter = formatter;
        _transport = transport;
        _capacity = queueCapacity;
        _metrics = metrics;
        _time = time;
        _logger = logger;
        _dropWarnings = new WarningRateLimit(warningInterval, time);
        _failureWarnings = new WarningRateLimit(warningInterval, time);
        _tags = new TagList { { "exporter", name } };
        _queue = Channel.CreateBounded<AuditRecord>(
            new BoundedChannelOptions(queueCapacity) { FullMode = BoundedChannelFullMode.DropOldest, SingleReader = true },
            _ => CountDropped(1, "queue full"));
        metrics.Register(this);
    }

    /// <summary>"gelf", "syslog" or "stdout": the metrics tag and the name in log lines.</summary>
    public string Name { get; }

    public string Destination => _transport.Destination;

    public int QueueDepth => _queue.Reader.Count;

    public long Sent => Interlocked.Read(ref _sent);

    /// <summary>Failed send attempts (a TCP record that is retried and then sent counts here and in <see cref="Sent"/>).</summary>
    public long Failed => Interlocked.Read(ref _failed);

    public long Dropped => Interlocked.Read(ref _dropped);

    /// <summary>Starts the sending loop; further calls do nothing. Records queued before are kept.</summary>
    public void Start()
    {
        lock (_startLock)
        {
            _loop ??= Task.Run(() => RunAsync(_abort.Token));
        }
    }

    /// <summary>Queues the records and returns at once; never waits, never throws for a full queue.</summary>
    public void OnStored(IReadOnlyList<AuditRecord> records)
    {
        foreach (var record in records)
        {
            if (!_queue.Writer.TryWrite(record))
            {
                CountDropped(1, "exporter stopped");
            }
        }
    }

    /// <summary>
    /// Stops taking records and sends what is queued, for at most <paramref name="deadline"/>; whatever is left is
    /// counted as dropped. Logs the totals.
    /// </summary>
    public async Task StopAsync(TimeSpan deadline)
    {
        _queue.Writer.TryComplete();
        Start();
        try
        {
            await _loop!.WaitAsync(deadline, _time).ConfigureAwait(false);
        }
        catch (TimeoutException)
        {
            await _abort.CancelAsync().ConfigureAwait(false);
            await _loop!.ConfigureAwait(ConfigureAwaitOptions.SuppressThrowing);
        }
        var left = 0;
        while (_queue.Reader.TryRead(out _))
        {
            left++;
        }
        if (left > 0)
        {
            CountDropped(left, "shutdown deadline");
        }
        await _transport.DisposeAsync().ConfigureAwait(false);
        _logger.LogInformation("audit export {Exporter} to {Destination} stopped: {Sent} sent, {Failed} failed attempts, {Dropped} dropped",
            Name, Destination, Sent, Failed, Dropped);
    }

    public async ValueTask DisposeAsync()
    {
        await StopAsync(TimeSpan.Zero).ConfigureAwait(false);
        _abort.Dispose();
    }

    private async Task RunAsync(CancellationToken abort)
    {
        try
        {
            while (await _queue.Reader.WaitToReadAsync(abort).ConfigureAwait(false))
            {
                while (_queue.Reader.TryRead(out var record))
                {
                    await DeliverAsync(record, abort).ConfigureAwait(false);
                }
            }
        }
        catch (OperationCanceledException) when (abort.IsCancellationRequested)
        {
            // Stopped at the shutdown deadline; StopAsync counts what was left.
        }
    }

    private async Task DeliverAsync(AuditRecord record, CancellationToken abort)
    {
        byte[] message;
        try
        {
            message = _formatter.Format(record);
        }
        catch (Exception ex)
        {
            _logger.LogError(ex, "audit export {Exporter}: could not format event {Seq}; it is in the audit trail", Name, record.Seq);
            CountDropped(1, "unformattable");
            return;
        }
        while (true)
        {
            try
            {
                await _transport.SendAsync(message, abort).ConfigureAwait(false);
                Interlocked.Increment(ref _sent);
                _metrics.Sent.Add(1, _tags);
                _backoff.Reset();
                return;
            }
            catch (OperationCanceledException) when (abort.IsCancellationRequested)
            {
                CountDropped(1, "shutdown deadline");
                throw;
            }
            catch (Exception ex)
            {
                var failed = Interlocked.Increment(ref _failed);
                _metrics.Failed.Add(1, _tags);
                var retry = _transport.RetriesFailedMessages && ex is not MessageTooLargeException;
                var pause = retry ? _backoff.Next() : TimeSpan.Zero;
                if (_failureWarnings.TryAcquire())
                {
                    _logger.LogWarning("audit export {Exporter} cannot send to {Destination}: {Error} ({Failed} failed attempts so far; {Action})",
                        Name, Destination, ex.Message, failed, retry ? $"retrying in {pause.TotalSeconds:0.#} s" : $"event {record.Seq} not sent");
                }
                if (!retry)
                {
                    return;
                }
                await Task.Delay(pause, _time, abort).ConfigureAwait(false);
            }
        }
    }

    private void CountDropped(int count, string reason)
    {
        var total = Interlocked.Add(ref _dropped, count);
        _metrics.Dropped.Add(count, _tags);
        if (_dropWarnings.TryAcquire())
        {
            _logger.LogWarning("audit export {Exporter}: {Dropped} records dropped so far ({Reason}; queue capacity {Capacity}); {Destination} is not keeping up — every event is still in the audit trail",
                Name, total, reason, _capacity, Destination);
        }
    }
}
