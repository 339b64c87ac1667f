using System.Net;
using System.Text;
using Bastion.Hosting.Configuration;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;

namespace Bastion.Gateway.Observability;

/// <summary>
/// A small HTTP endpoint (Bastion:Metrics): GET /metrics in Prometheus text format and GET /healthz, 200 "ok" or 503
/// with the reason. Registered before the SSH service so that it stops after it: while sessions drain after SIGTERM
/// it keeps answering, with 503, and the load balancer takes the node out. At most <see cref="MaxConcurrentRequests"/>
/// requests are served at once; more get 503 straight away.
/// </summary>
public sealed class MetricsHttpServer : IHostedService, IDisposable
{
    public const int MaxConcurrentRequests = 8;

    private readonly MetricsOptions _options;
    private readonly PrometheusBridge _bridge;
    private readonly HealthCheck _health;
    private readonly ILogger<MetricsHttpServer> _logger;
    private readonly SemaphoreSlim _slots = new(MaxConcurrentRequests, MaxConcurrentRequests);
    private readonly CancellationTokenSource _stopping = new();
    private HttpListener? _listener;
    private Task? _loop;

    public MetricsHttpServer(MetricsOptions options, PrometheusBridge bridge, HealthCheck health, ILogger<MetricsHttpServer> logger)
    {
        _options = options;
        _bridge = bridge;
        _health = health;
        _logger = logger;
    }

    /// <summary>"http://127.0.0.1:9122/" — the prefix served (IPv6 addresses in brackets).</summary>
    public string Prefix
    {
        get
        {
            var address = IPAddress.Parse(_options.ListenAddress);
            var host = address.AddressFamily == System.Net.Sockets.AddressFamily.InterNetworkV6 ? $"[{address}]" : address.ToString();
            return $"http://{host}:{_options.Port}/";
        }
    }

    public Task StartAsync(CancellationToken cancellationToken)
    {
        if (!_options.Enabled)
        {
            return Task.CompletedTask;
        }
        var listener = new HttpListener();
        listener.Prefixes.Add(Prefix);
        try
        {
            listener.Start();
        }
        catch (HttpListenerException ex)
        {
            listener.Close();
            throw new BastionConfigurationException([$"cannot serve metrics on {Prefix}: {ex.Message} (is another process using the port? change Bastion:Metrics:Port)"]);
        }
        _listener = listener;
        _loop = Task.Run(() => AcceptLoopAsync(listener), CancellationToken.None);
        _logger.LogInformation("metrics on {Prefix}metrics, health check on {Prefix}healthz", Prefix, Prefix);
        return Task.CompletedTask;
    }

    private async Task AcceptLoopAsync(HttpListener listener)
    {
        while (!_stopping.IsCancellationRequested)
        {
            HttpListenerContext context;
            try
            {
                context = await listener.GetContextAsync().ConfigureAwait(false);
            }
            catch (Exception ex) when (ex is HttpListenerException or ObjectDisposedException or InvalidOperationException)
            {
                if (_stopping.IsCancellationRequested)
                {
                    break;
                }
                _logger.LogWarning("metrics endpoint: accept failed: {Error}", ex.Message);
                await Task.Delay(TimeSpan.FromMilliseconds(100), CancellationToken.None).ConfigureAwait(false);
                continue;
            }
            if (!_slots.Wait(0))
            {
                _ = RespondAsync(context.Response, 503, "busy: too many requests at once\n");
                continue;
            }
            _ = ServeAsync(context);
        }
    }

    private async Task ServeAsync(HttpListenerContext context)
    {
        try
        {
            var request = context.Request;
            if (request.HttpMethod is not ("GET" or "HEAD"))
            {
                context.Response.AddHeader("Allow", "GET, HEAD");
                await RespondAsync(context.Response, 405, "only GET and HEAD\n").ConfigureAwait(false);
                return;
            }
            switch (request.Url?.AbsolutePath)
            {
                case "/metrics":
                    using (var body = new MemoryStream())
                    {
                        await _bridge.WriteAsync(body, _stopping.Token).ConfigureAwait(false);
                        await RespondAsync(context.Response, 200, body.ToArray(), PrometheusBridge.ContentType, request.HttpMethod == "HEAD").ConfigureAwait(false);
                    }
                    break;
                case "/healthz":
                    var report = await _health.CheckAsync(_stopping.Token).ConfigureAwait(false);
                    await RespondAsync(context.Response, report.Healthy ? 200 : 503, report.Reason + "\n", request.HttpMethod == "HEAD").ConfigureAwait(false);
                    break;
                default:
                    await RespondAsync(context.Response, 404, "not found; the endpoints are /metrics and /healthz\n").ConfigureAwait(false);
                    break;
            }
        }
        catch (Exception ex) when (ex is HttpListenerException or IOException or ObjectDisposedException or OperationCanceledException)
        {
            // The scraper went away or we are stopping; nothing to answer.
        }
        catch (Exception ex)
        {
            _logger.LogError(ex, "metrics endpoint failed to answer {Path}", context.Request.Url?.AbsolutePath);
            try
            {
                context.Response.Abort();
            }
            catch (ObjectDisposedException)
            {
            }
        }
        finally
        {
            _slots.Release();
        }
    }

    private static Task RespondAsync(HttpListenerResponse response, int status, string text, bool headOnly = false) =>
        RespondAsync(response, status, Encoding.UTF8.GetBytes(text), "text/plain; charset=utf-8", headOnly);

    private static async Task RespondAsync(HttpListenerResponse response, int status, byte[] body, string contentType, bool headOnly)
    {
        response.StatusCode = status;
        response.ContentType = contentType;
        response.KeepAlive = false;
        response.Headers["Cache-Control"] = "no-store";
        response.ContentLength64 = body.Length;
        if (!headOnly)
        {
            await response.OutputStream.WriteAsync(body).ConfigureAwait(false);
        }
        response.Close();
    }

    public async Task StopAsync(CancellationToken cancellationToken)
    {
        await _stopping.CancelAsync().ConfigureAwait(false);
        // Close, not Stop: the managed HttpListener binds the port again when Close follows Stop, and throws if
        // something took the port in between. Close after Close does nothing.
        _listener?.Close();
        if (_loop is not null)
        {
            await _loop.WaitAsync(cancellationToken).ConfigureAwait(false);
        }
    }

    public void Dispose()
    {
        _listener?.Close();
        _stopping.Dispose();
        _slots.Dispose();
    }
}
