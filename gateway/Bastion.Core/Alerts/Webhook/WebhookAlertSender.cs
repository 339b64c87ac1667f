using System.Net;
using System.Text;
using Bastion.Core.Audit;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Abstractions;

namespace Bastion.Core.Alerts.Webhook;

/// <summary>
/// Posts every alert record this process stored to a Slack-compatible webhook. As an audit observer it only queues
/// (bounded; when full, alerts are dropped and counted — they remain in the audit trail); one background loop
/// delivers them in order, retrying 5xx, 429, timeouts and network errors with exponential backoff and jitter.
/// Other 4xx answers mean the request itself is wrong (bad token, removed hook), so they are not retried.
/// </summary>
public sealed class WebhookAlertSender : IAuditRecordObserver, IAsyncDisposable
{
    private readonly WebhookOptions _options;
    private readonly AlertMetrics _metrics;
    private readonly TimeProvider _time;
    private readonly ILogger _logger;
    private readonly HttpClient _http;
    private readonly Random _jitter = new();
    private readonly BackgroundQueue<AuditRecord> _queue;
    private long _delivered;
    private long _failed;
    private long _dropped;

    /// <param name="handler">For tests; by default one pooled <see cref="SocketsHttpHandler"/> owned by this sender.</param>
    public WebhookAlertSender(WebhookOptions options, AlertMetrics metrics, TimeProvider timeProvider, ILogger<WebhookAlertSender>? logger = null,
        HttpMessageHandler? handler = null)
    {
        _options = options ?? throw new ArgumentNullException(nameof(options));
        _metrics = metrics ?? throw new ArgumentNullException(nameof(metrics));
        _time = timeProvider ?? throw new ArgumentNullException(nameof(timeProvider));
        _logger = logger ?? NullLogger<WebhookAlertSender>.Instance;
        if (options.Url.Scheme is not ("http" or "https"))
        {
            throw new ArgumentException($"the alert webhook URL must be http(s), not {options.Url.Scheme}", nameof(options));
        }
        ArgumentOutOfRangeException.ThrowIfLessThan(options.MaxAttempts, 1);
        _http = new HttpClient(handler ?? new SocketsHttpHandler
        {
            PooledConnectionLifetime = TimeSpan.FromMinutes(5), // follow DNS changes of the receiver
            ConnectTimeout = options.AttemptTimeout,
            AllowAutoRedirect = false, // a redirected POST silently turns into a GET; report it instead
        }, disposeHandler: handler is null)
        {
            Timeout = Timeout.InfiniteTimeSpan, // per attempt, below
        };
        _queue = new BackgroundQueue<AuditRecord>(options.QueueCapacity, "webhook sender", DeliverAsync);
    }

    public long Delivered => Interlocked.Read(ref _delivered);

    /// <summary>Alerts given up: attempts exhausted, or refused with a 4xx other than 429.</summary>
    public long Failed => Interlocked.Read(ref _failed);

    public long Dropped => Interlocked.Read(ref _dropped);

    public void Start() => _queue.Start();

    /// <inheritdoc />
    public void OnStored(IReadOnlyList<AuditRecord> records)
    {
        foreach (var record in records)
        {
            if (!AlertTypes.IsAlert(record.Type) || _queue.Stopping)
            {
                continue;
            }
            if (!_queue.TryEnqueue(record))
            {
                var dropped = Interlocked.Increment(ref _dropped);
                _metrics.Dropped();
                _logger.LogWarning("alert webhook {Endpoint}: queue full, not sending {Type} (audit seq {Seq}); {Dropped} alerts dropped so far",
                    _options.SafeEndpoint, record.Type, record.Seq, dropped);
            }
        }
    }

    /// <summary>Waits until every alert queued before this call is delivered or given up.</summary>
    public Task FlushAsync(CancellationToken ct = default) => _queue.FlushAsync(ct);

    /// <summary>Stops taking alerts and delivers what is queued, unless <paramref name="ct"/> fires first.</summary>
    public async Task StopAsync(CancellationToken ct = default)
    {
        if (await _queue.StopAsync(ct).ConfigureAwait(false) is { } left)
        {
            _logger.LogWarning("alert webhook {Endpoint}: stopped with {Count} alerts unsent (they are in the audit trail)",
                _options.SafeEndpoint, left);
        }
    }

    public async ValueTask DisposeAsync()
    {
        await StopAsync().ConfigureAwait(false);
        _http.Dispose();
        _queue.Dispose();
    }

    private async Task DeliverAsync(AuditRecord alert, CancellationToken abort)
    {
        var body = SlackMessage.Build(alert);
        for (var attempt = 1; ; attempt++)
        {
            var outcome = await AttemptAsync(body, abort).ConfigureAwait(false);
            if (outcome.Delivered)
            {
                Interlocked.Increment(ref _delivered);
                _metrics.Delivered();
                _logger.LogInformation("alert webhook {Endpoint}: delivered {Type} (audit seq {Seq}) on attempt {Attempt}",
                    _options.SafeEndpoint, alert.Type, alert.Seq, attempt);
                return;
            }
            if (!outcome.Retryable || attempt >= _options.MaxAttempts)
            {
                var failed = Interlocked.Increment(ref _failed);
                _metrics.Failed();
                _logger.LogError(
                    "alert webhook {Endpoint}: gave up on {Type} (audit seq {Seq}) after {Attempts} attempt(s): {Problem}{Hint}; {Failed} alert(s) given up since start",
                    _options.SafeEndpoint, alert.Type, alert.Seq, attempt, outcome.Problem,
                    outcome.Retryable ? "" : " (not retried: check the webhook URL and its token)", failed);
                return;
            }
            var delay = WebhookBackoff.Delay(attempt + 1, _options, _jitter.NextDouble(), outcome.RetryAfter);
            _metrics.Retried();
            _logger.LogWarning("alert webhook {Endpoint}: {Problem} for {Type} (audit seq {Seq}), attempt {Attempt} of {MaxAttempts}; retrying in {DelayMs} ms",
                _options.SafeEndpoint, outcome.Problem, alert.Type, alert.Seq, attempt, _options.MaxAttempts, (long)delay.TotalMilliseconds);
            await Task.Delay(delay, _time, abort).ConfigureAwait(false);
        }
    }

    private async Task<Outcome> AttemptAsync(string body, CancellationToken abort)
    {
        using var timeout = CancellationTokenSource.CreateLinkedTokenSource(abort);
        timeout.CancelAfter(_options.AttemptTimeout);
        try
        {
            using var content = new StringContent(body, Encoding.UTF8, "application/json");
            using var response = await _http.PostAsync(_options.Url, content, timeout.Token).ConfigureAwait(false);
            var status = (int)response.StatusCode;
            if (status is >= 200 and < 300)
            {
                return new Outcome(true, false, null, null);
            }
            var problem = $"HTTP {status} {response.ReasonPhrase}".TrimEnd();
            var retryable = status >= 500 || response.StatusCode == HttpStatusCode.TooManyRequests;
            return new Outcome(false, retryable, problem, RetryAfterOf(response));
        }
        catch (OperationCanceledException) when (!abort.IsCancellationRequested)
        {
            return new Outcome(false, true, $"no answer within {_options.AttemptTimeout.TotalSeconds:0.#} s", null);
        }
        catch (HttpRequestException ex)
        {
            // The message names host and port at most (e.g. "Connection refused (hooks.example.com:443)"), never the path.
            return new Outcome(false, true, $"network error: {ex.Message}", null);
        }
    }

    private TimeSpan? RetryAfterOf(HttpResponseMessage response)
    {
        if (response.Headers.RetryAfter is not { } retryAfter)
        {
            return null;
        }
        if (retryAfter.Delta is { } delta)
        {
            return delta;
        }
        return retryAfter.Date is { } date ? date - _time.GetUtcNow() : null;
    }

    private readonly record struct Outcome(bool Delivered, bool Retryable, string? Problem, TimeSpan? RetryAfter);
}
