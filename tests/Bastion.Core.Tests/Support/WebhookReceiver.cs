using System.Net;
using System.Net.Sockets;
using System.Text;

namespace Bastion.Core.Tests.Support;

/// <summary>
/// A real HTTP endpoint on 127.0.0.1 (HttpListener) standing in for a Slack incoming webhook. It records every request
/// and answers with the status <see cref="Respond"/> picks (default 200). <see cref="HoldNext"/> keeps the next
/// request unanswered until <see cref="Release"/>, to show that nothing upstream waits for it.
/// </summary>
public sealed class WebhookReceiver : IAsyncDisposable
{
    private readonly HttpListener _listener;
    private readonly Task _loop;
    private readonly List<ReceivedRequest> _requests = [];
    private readonly SemaphoreSlim _arrived = new(0);
    private TaskCompletionSource? _holdNext;
    private TaskCompletionSource? _gate;

    private WebhookReceiver(HttpListener listener, Uri url)
    {
        _listener = listener;
        Url = url;
        _loop = Task.Run(AcceptLoopAsync);
    }

    /// <summary>The URL to configure, with a path standing in for Slack's secret token.</summary>
    public Uri Url { get; }

    public const string SecretToken = "T0001-B0002-s3cr3tT0k3nXYZ";

    /// <summary>Status code for the n-th request (1-based). Default: 200.</summary>
    public Func<int, (int Status, string? RetryAfter)> Respond { get; set; } = _ => (200, null);

    public IReadOnlyList<ReceivedRequest> Requests
    {
        get
        {
            lock (_requests)
            {
                return _requests.ToList();
            }
        }
    }

    public static WebhookReceiver Start()
    {
        for (var attempt = 0; ; attempt++)
        {
            var port = FreePort();
            var listener = new HttpListener();
            listener.Prefixes.Add($"http://127.0.0.1:{port}/");
            try
            {
                listener.Start();
                return new WebhookReceiver(listener, new Uri($"http://127.0.0.1:{port}/services/{SecretToken}"));
            }
            catch (HttpListenerException) when (attempt < 5)
            {
                listener.Close(); // port taken in between: try another
            }
        }
    }

    /// <summary>Keeps the next request waiting (no response) until <see cref="Release"/>.</summary>
    public void HoldNext()
    {
        var gate = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        _gate = gate;
        _holdNext = gate;
    }

    /// <summary>True while a held request is waiting for <see cref="Release"/>.</summary>
    public bool IsHolding => _gate is { Task.IsCompleted: false } && _holdNext is null;

    public void Release() => _gate?.TrySetResult();

    /// <summary>Waits (bounded) until at least <paramref name="count"/> requests arrived.</summary>
    public async Task<IReadOnlyList<ReceivedRequest>> WaitForAsync(int count, TimeSpan timeout)
    {
        using var cts = new CancellationTokenSource(timeout);
        while (Requests.Count < count)
        {
            try
            {
                await _arrived.WaitAsync(cts.Token);
            }
            catch (OperationCanceledException)
            {
                throw new TimeoutException($"the webhook receiver got {Requests.Count} request(s), not {count}, within {timeout.TotalSeconds} s");
            }
        }
        return Requests;
    }

    /// <summary>Waits (bounded) until a request that <paramref name="match"/> accepts arrived; others may come first.</summary>
    public async Task<IReadOnlyList<ReceivedRequest>> WaitForAsync(Func<ReceivedRequest, bool> match, string what, TimeSpan timeout)
    {
        using var cts = new CancellationTokenSource(timeout);
        while (!Requests.Any(match))
        {
            try
            {
                await _arrived.WaitAsync(cts.Token);
            }
            catch (OperationCanceledException)
            {
                throw new TimeoutException($"the webhook receiver got {Requests.Count} request(s) but not {what} within {timeout.TotalSeconds} s");
            }
        }
        return Requests;
    }

    public async ValueTask DisposeAsync()
    {
        Release();
        // Close alone: Stop then Close makes the managed HttpListener bind the port again, which fails when the
        // POST's connection still holds it in TIME_WAIT (seen in CI).
        _listener.Close();
        try
        {
            await _loop;
        }
        catch (Exception ex) when (ex is HttpListenerException or ObjectDisposedException)
        {
        }
        _arrived.Dispose();
    }

    private async Task AcceptLoopAsync()
    {
        while (_listener.IsListening)
        {
            HttpListenerContext context;
            try
            {
                context = await _listener.GetContextAsync();
            }
            catch (Exception ex) when (ex is HttpListenerException or ObjectDisposedException or InvalidOperationException)
            {
                return;
            }
            _ = Task.Run(() => HandleAsync(context));
        }
    }

    private async Task HandleAsync(HttpListenerContext context)
    {
        using var reader = new StreamReader(context.Request.InputStream, Encoding.UTF8);
        var body = await reader.ReadToEndAsync();
        int number;
        lock (_requests)
        {
            _requests.Add(new ReceivedRequest(context.Request.HttpMethod, context.Request.Url?.AbsolutePath ?? "", context.Request.ContentType, body, DateTimeOffset.UtcNow));
            number = _requests.Count;
        }
        _arrived.Release();
        if (Interlocked.Exchange(ref _holdNext, null) is { } hold)
        {
            await hold.Task.WaitAsync(TimeSpan.FromSeconds(60));
        }
        var (status, retryAfter) = Respond(number);
        context.Response.StatusCode = status;
        if (retryAfter is not null)
        {
            context.Response.AddHeader("Retry-After", retryAfter);
        }
        var reply = Encoding.UTF8.GetBytes(status == 200 ? "ok" : "error");
        try
        {
            await context.Response.OutputStream.WriteAsync(reply);
            context.Response.Close();
        }
        catch (Exception ex) when (ex is HttpListenerException or ObjectDisposedException or IOException)
        {
            // The sender gave up on this attempt (timeout) and closed the connection.
        }
    }

    private static int FreePort()
    {
        using var probe = new TcpListener(IPAddress.Loopback, 0);
        probe.Start();
        var port = ((IPEndPoint)probe.LocalEndpoint).Port;
        probe.Stop();
        return port;
    }
}

public sealed record ReceivedRequest(string Method, string Path, string? ContentType, string Body, DateTimeOffset ArrivedAt);
