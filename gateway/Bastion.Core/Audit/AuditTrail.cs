using System.Threading.Channels;
using Bastion.Core.Store;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Abstractions;

namespace Bastion.Core.Audit;

/// <summary>
/// The audit trail as the rest of Bastion sees it. Sessions call <see cref="AppendAsync"/>, which only queues
/// (a bounded queue: when it is full the caller waits, so events are never dropped); a background loop
/// started with <see cref="Start"/> writes batches to the store and then to the JSON-lines file. The CLI,
/// which has no background loop, uses <see cref="AppendNowAsync"/>. Dispose (or <see cref="StopAsync"/>) drains
/// the queue before returning.
/// </summary>
public sealed class AuditTrail : IAsyncDisposable
{
    private readonly IAuditStore _store;
    private readonly AuditTrailOptions _options;
    private readonly TimeProvider _time;
    private readonly ILogger _logger;
    private readonly AuditJsonLines? _jsonLines;
    private readonly Channel<QueueItem> _queue;
    private readonly CancellationTokenSource _abort = new();
    private readonly Lock _startLock = new();
    private Task? _writer;
    private IAuditRecordObserver[] _observers = [];

    public AuditTrail(IAuditStore store, AuditTrailOptions? options = null, TimeProvider? timeProvider = null, ILogger<AuditTrail>? logger = null)
    {
        _store = store ?? throw new ArgumentNullException(nameof(store));
        _options = options ?? new AuditTrailOptions();
        _time = timeProvider ?? TimeProvider.System;
        _logger = logger ?? NullLogger<AuditTrail>.Instance;
        _jsonLines = _options.JsonLinesPath is null ? null : new AuditJsonLines(_options.JsonLinesPath);
        _queue = Channel.CreateBounded<QueueItem>(new BoundedChannelOptions(Math.Max(1, _options.QueueCapacity))
        {
            FullMode = BoundedChannelFullMode.Wait,
            SingleReader = true,
        });
    }

    /// <summary>Events queued and not yet stored (for the queue-depth gauge); bounded by the queue capacity.</summary>
    public int QueueDepth => _queue.Reader.Count;

    /// <summary>Starts the background writer. Call once when the host starts; further calls do nothing.</summary>
    public void Start()
    {
        lock (_startLock)
        {
            _writer ??= Task.Run(() => WriteLoopAsync(_abort.Token));
        }
    }

    /// <summary>
    /// Adds an observer that sees every record stored from now on. Hosts add observers (exporters, anomaly
    /// detection) once at start; adding is safe while events flow.
    /// </summary>
    public void AddObserver(IAuditRecordObserver observer)
    {
        ArgumentNullException.ThrowIfNull(observer);
        lock (_startLock)
        {
            _observers = [.. _observers, observer];
        }
    }

    /// <summary>
    /// Stamps the event with the current time and queues it. Returns as soon as it is queued; waits only while
    /// the queue is full. Throws <see cref="ArgumentException"/> for a malformed event and
    /// <see cref="InvalidOperationException"/> after <see cref="StopAsync"/>.
    /// </summary>
    public ValueTask AppendAsync(AuditEvent auditEvent, CancellationToken ct = default)
    {
        var stamped = Prepare(auditEvent);
        return WriteToQueueAsync(new QueueItem(stamped, null), ct);
    }

    /// <summary>
    /// Writes one event straight to the store (and the JSON-lines file), bypassing the queue, and returns the
    /// stored record. For the CLI and admin actions that must be recorded before they report success.
    /// </summary>
    public async Task<AuditRecord> AppendNowAsync(AuditEvent auditEvent, CancellationToken ct = default)
    {
        var stamped = Prepare(auditEvent);
        var records = await _store.AppendAuditEventsAsync([stamped], ct).ConfigureAwait(false);
        await CopyToJsonLinesAsync(records, ct).ConfigureAwait(false);
        NotifyObservers(records);
        return records[0];
    }

    /// <summary>Waits until every event queued before this call is stored. Requires <see cref="Start"/>.</summary>
    public async Task FlushAsync(CancellationToken ct = default)
    {
        if (_writer is null)
        {
            throw new InvalidOperationException("the audit trail writer is not running; call Start() before FlushAsync()");
        }
        var done = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        await WriteToQueueAsync(new QueueItem(null, done), ct).ConfigureAwait(false);
        await done.Task.WaitAsync(ct).ConfigureAwait(false);
    }

    /// <summary>
    /// Stops accepting events and writes everything queued. If <paramref name="ct"/> fires first, the
    /// writer is abandoned and the number of unwritten events is logged as an error.
    /// </summary>
    public async Task StopAsync(CancellationToken ct = default)
    {
        _queue.Writer.TryComplete();
        Start(); // Events queued without a running writer must still be drained.
        try
        {
            await _writer!.WaitAsync(ct).ConfigureAwait(false);
        }
        catch (OperationCanceledException) when (ct.IsCancellationRequested)
        {
            await _abort.CancelAsync().ConfigureAwait(false);
            _logger.LogError("audit trail stopped before draining; {Count} queued events were not written", _queue.Reader.Count);
            throw;
        }
    }

    /// <summary>Checks the whole hash chain; see <see cref="AuditVerification"/>.</summary>
    public Task<AuditVerification> VerifyAsync(CancellationToken ct = default) => AuditChainVerifier.VerifyAsync(_store, ct);

    /// <summary>The newest <paramref name="count"/> events, oldest first (like <c>tail</c>).</summary>
    public async Task<IReadOnlyList<AuditRecord>> TailAsync(int count, CancellationToken ct = default)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(count, 1);
        var page = await _store.QueryAuditEventsAsync(new AuditQuery { Limit = Math.Min(count, 1000) }, ct).ConfigureAwait(false);
        return page.Events.Reverse().ToList();
    }

    /// <summary>Events matching <paramref name="query"/>, newest first, one page at a time.</summary>
    public Task<AuditPage> QueryAsync(AuditQuery query, CancellationToken ct = default) => _store.QueryAuditEventsAsync(query, ct);

    /// <summary>Same as <see cref="StopAsync"/> without a deadline; hosts should prefer StopAsync with their shutdown token.</summary>
    public async ValueTask DisposeAsync()
    {
        await StopAsync().ConfigureAwait(false);
        _abort.Dispose();
        _jsonLines?.Dispose();
    }

    private AuditEvent Prepare(AuditEvent auditEvent)
    {
        ArgumentNullException.ThrowIfNull(auditEvent);
        auditEvent.Validate();
        var normalized = auditEvent.Normalized();
        return normalized.Timestamp is null ? normalized with { Timestamp = _time.GetUtcNow() } : normalized;
    }

    private async ValueTask WriteToQueueAsync(QueueItem item, CancellationToken ct)
    {
        try
        {
            await _queue.Writer.WriteAsync(item, ct).ConfigureAwait(false);
        }
        catch (ChannelClosedException ex)
        {
            throw new InvalidOperationException("the audit trail has been stopped; events can no longer be queued", ex);
        }
    }

    private async Task WriteLoopAsync(CancellationToken abort)
    {
        var batch = new List<AuditEvent>(_options.MaxBatchSize);
        var flushes = new List<TaskCompletionSource>();
        while (await _queue.Reader.WaitToReadAsync(abort).ConfigureAwait(false))
        {
            // Take what is queued now (up to a batch); a flush marker ends the batch so it completes in order.
            while (batch.Count < _options.MaxBatchSize && _queue.Reader.TryRead(out var item))
            {
                if (item.Flush is not null)
                {
                    flushes.Add(item.Flush);
                    break;
                }
                batch.Add(item.Event!);
            }
            if (batch.Count > 0)
            {
                await StoreWithRetryAsync(batch, abort).ConfigureAwait(false);
                batch.Clear();
            }
            foreach (var flush in flushes)
            {
                flush.TrySetResult();
            }
            flushes.Clear();
        }
    }

    /// <summary>
    /// The store is the record of truth, so a failed write is retried until it succeeds or the host aborts;
    /// meanwhile the queue fills and producers wait rather than lose events.
    /// </summary>
    private async Task StoreWithRetryAsync(IReadOnlyList<AuditEvent> batch, CancellationToken abort)
    {
        while (true)
        {
            try
            {
                var records = await _store.AppendAuditEventsAsync(batch, abort).ConfigureAwait(false);
                await CopyToJsonLinesAsync(records, abort).ConfigureAwait(false);
                NotifyObservers(records);
                return;
            }
            catch (Exception ex) when (ex is not OperationCanceledException)
            {
                _logger.LogError(ex, "could not store {Count} audit events; retrying in {Delay}", batch.Count, _options.RetryDelay);
                await Task.Delay(_options.RetryDelay, _time, abort).ConfigureAwait(false);
            }
        }
    }

    /// <summary>
    /// The JSON-lines copy is best effort: the events are already safe in the store, and retrying the batch
    /// would store them twice, so no failure here may escape.
    /// </summary>
    private async Task CopyToJsonLinesAsync(IReadOnlyList<AuditRecord> records, CancellationToken ct)
    {
        if (_jsonLines is null)
        {
            return;
        }
        try
        {
            await _jsonLines.AppendAsync(records, ct).ConfigureAwait(false);
        }
        catch (Exception ex) when (ex is not OperationCanceledException)
        {
            _logger.LogError(ex, "could not append audit events {First}–{Last} to {Path}; they are stored in the database",
                records[0].Seq, records[^1].Seq, _options.JsonLinesPath);
        }
    }

    private void NotifyObservers(IReadOnlyList<AuditRecord> records)
    {
        foreach (var observer in Volatile.Read(ref _observers))
        {
            try
            {
                observer.OnStored(records);
            }
            catch (Exception ex)
            {
                _logger.LogError(ex, "audit observer {Observer} failed on events {First}–{Last}; they are stored in the database",
                    observer.GetType().Name, records[0].Seq, records[^1].Seq);
            }
        }
    }

    private readonly record struct QueueItem(AuditEvent? Event, TaskCompletionSource? Flush);
}
