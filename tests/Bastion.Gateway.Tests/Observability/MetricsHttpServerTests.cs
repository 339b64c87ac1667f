using System.Diagnostics.Metrics;
using System.Net;
using Bastion.Gateway.Observability;
using Bastion.Gateway.Tests.Infrastructure;
using Microsoft.Extensions.Logging.Abstractions;

namespace Bastion.Gateway.Tests.Observability;

/// <summary>
/// The metrics endpoint in process over a real loopback socket: /healthz reports a store that fails or hangs, a
/// missing listener and draining as 503 with the reason; /metrics renders Bastion.* instruments with Prometheus
/// names and types and leaves other meters out.
/// </summary>
public sealed class MetricsHttpServerTests
{
    [Fact]
    public async Task Healthz_is_503_with_the_reason_when_the_store_fails_and_200_when_all_is_well()
    {
        var storeFails = true;
        var health = new HealthCheck(_ => storeFails ? Task.FromException(new IOException("database is locked")) : Task.CompletedTask, () => null, () => false);
        await using var server = await StartAsync(health);

        var failing = await MetricsScrape.GetAsync(server.Address, server.Port, "/healthz");
        Assert.Equal(HttpStatusCode.ServiceUnavailable, failing.Status);
        Assert.Contains("store unavailable", failing.Body, StringComparison.Ordinal);
        Assert.Contains("database is locked", failing.Body, StringComparison.Ordinal);

        storeFails = false;
        var ok = await MetricsScrape.GetAsync(server.Address, server.Port, "/healthz");
        Assert.Equal(HttpStatusCode.OK, ok.Status);
        Assert.Equal("ok\n", ok.Body);

        var missing = await MetricsScrape.GetAsync(server.Address, server.Port, "/other");
        Assert.Equal(HttpStatusCode.NotFound, missing.Status);
        Assert.Contains("/metrics and /healthz", missing.Body, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Healthz_reports_a_hanging_store_a_listener_problem_and_draining()
    {
        var problem = (string?)"the SSH listener is not accepting connections";
        var draining = false;
        var hangs = false;
        var health = new HealthCheck(ct => hangs ? Task.Delay(Timeout.Infinite, ct) : Task.CompletedTask, () => problem, () => draining);
        await using var server = await StartAsync(health);

        var noListener = await MetricsScrape.GetAsync(server.Address, server.Port, "/healthz");
        Assert.Equal(HttpStatusCode.ServiceUnavailable, noListener.Status);
        Assert.Equal("the SSH listener is not accepting connections\n", noListener.Body);

        problem = null;
        hangs = true;
        var slowStore = await MetricsScrape.GetAsync(server.Address, server.Port, "/healthz");
        Assert.Equal(HttpStatusCode.ServiceUnavailable, slowStore.Status);
        Assert.Contains("store did not answer within 2 s", slowStore.Body, StringComparison.Ordinal);

        draining = true;
        var drain = await MetricsScrape.GetAsync(server.Address, server.Port, "/healthz");
        Assert.Equal(HttpStatusCode.ServiceUnavailable, drain.Status);
        Assert.StartsWith("draining", drain.Body, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Metrics_renders_bastion_instruments_with_prometheus_names_and_types()
    {
        using var bastionMeter = new Meter("Bastion.UnitTest");
        using var otherMeter = new Meter("Other.UnitTest");
        var requests = bastionMeter.CreateCounter<long>("requests", description: "requests handled");
        var fullyNamed = bastionMeter.CreateCounter<long>("bastion.unittest.drops");
        var size = bastionMeter.CreateHistogram<double>("payload.size", "By", "payload sizes",
            advice: new InstrumentAdvice<double> { HistogramBucketBoundaries = [10, 100, 1000] });
        var accounts = new List<(string Name, double Age)> { ("dev-a", 5), ("dev-b", 7) };
        bastionMeter.CreateObservableGauge("snapshot.age", () => accounts.Select(a => new Measurement<double>(a.Age, new KeyValuePair<string, object?>("account", a.Name))), "s");
        otherMeter.CreateCounter<long>("hidden").Add(1);
        await using var server = await StartAsync(new HealthCheck(_ => Task.CompletedTask, () => null, () => false));

        requests.Add(2, new KeyValuePair<string, object?>("result", "ok"));
        requests.Add(1, new KeyValuePair<string, object?>("result", "ok"));
        size.Record(50);
        fullyNamed.Add(4);
        size.Record(5000);
        var (status, text) = await MetricsScrape.GetAsync(server.Address, server.Port, "/metrics");
        Assert.Equal(HttpStatusCode.OK, status);
        var samples = MetricsScrape.Parse(text);

        Assert.Contains("# TYPE bastion_unittest_requests_total counter", text, StringComparison.Ordinal);
        Assert.Equal(3, Assert.Single(samples, s => s.Name == "bastion_unittest_requests_total")?.Value);
        Assert.Contains("# TYPE bastion_unittest_payload_size_bytes histogram", text, StringComparison.Ordinal);
        Assert.Equal(1, Assert.Single(samples, s => s.Name == "bastion_unittest_payload_size_bytes_bucket" && s["le"] == "100").Value);
        Assert.Equal(2, Assert.Single(samples, s => s.Name == "bastion_unittest_payload_size_bytes_bucket" && s["le"] == "+Inf").Value);
        Assert.Equal(7, Assert.Single(samples, s => s.Name == "bastion_unittest_snapshot_age_seconds" && s["account"] == "dev-b").Value);
        Assert.DoesNotContain(samples, s => s.Name.Contains("hidden", StringComparison.Ordinal));
        // An instrument already named after its meter is not prefixed twice.
        Assert.Equal(4, Assert.Single(samples, s => s.Name == "bastion_unittest_drops_total").Value);

        // A series the observable no longer reports (an account removed) disappears from the next scrape.
        accounts.RemoveAt(1);
        var after = MetricsScrape.Parse((await MetricsScrape.GetAsync(server.Address, server.Port, "/metrics")).Body);
        Assert.DoesNotContain(after, s => s.Name == "bastion_unittest_snapshot_age_seconds" && s["account"] == "dev-b");
        Assert.Contains(after, s => s.Name == "bastion_unittest_snapshot_age_seconds" && s["account"] == "dev-a");
    }

    [Fact]
    public async Task Stopping_releases_the_port_once_and_disposing_afterwards_does_not_bind_it_again()
    {
        // The managed HttpListener binds its port again when Close follows Stop; if anything took the port in
        // between (a new process, a connection's TIME_WAIT) the gateway's shutdown threw. CI hit it in a test helper.
        var running = await StartAsync(new HealthCheck(_ => Task.CompletedTask, () => null, () => false));
        await running.Server.StopAsync(CancellationToken.None);
        var squatter = new System.Net.Sockets.TcpListener(running.Address, running.Port);
        squatter.Start();
        try
        {
            running.Server.Dispose();
            running.Bridge.Dispose();
        }
        finally
        {
            squatter.Stop();
        }
    }

    private static async Task<RunningServer> StartAsync(HealthCheck health)
    {
        var address = LoopbackAddresses.Shared.Next();
        var options = new MetricsOptions { Enabled = true, ListenAddress = address.ToString(), Port = 9122 };
        var bridge = new PrometheusBridge(includeProcessMetrics: false);
        var server = new MetricsHttpServer(options, bridge, health, NullLogger<MetricsHttpServer>.Instance);
        await server.StartAsync(CancellationToken.None);
        return new RunningServer(server, bridge, address, options.Port);
    }

    private sealed record RunningServer(MetricsHttpServer Server, PrometheusBridge Bridge, IPAddress Address, int Port) : IAsyncDisposable
    {
        public async ValueTask DisposeAsync()
        {
            await Server.StopAsync(CancellationToken.None);
            Server.Dispose();
            Bridge.Dispose();
        }
    }
}
