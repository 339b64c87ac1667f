using Bastion.Core.Alerts;
using Bastion.Core.Audit;
using Bastion.Core.Tests.Support;

namespace Bastion.Core.Tests.Alerts;

/// <summary>
/// A real SQLite store, a running audit trail and an anomaly detector observing it, on a manual clock: tests append
/// the events the gateway would write and read the alerts back from the trail.
/// </summary>
internal sealed class DetectorHarness : IAsyncDisposable
{
    private readonly bool _ownsFixture;

    private DetectorHarness(StoreFixture fixture, Bastion.Core.Store.IBastionStore store, AnomalyDetectionOptions options, bool ownsFixture)
    {
        _ownsFixture = ownsFixture;
        Fixture = fixture;
        Metrics = new AlertMetrics();
        Trail = new AuditTrail(store, timeProvider: fixture.Time);
        Detector = new AnomalyDetector(store, store, Trail, options, Metrics, fixture.Time, Log);
        Trail.AddObserver(Detector);
        Trail.Start();
        Detector.Start();
    }

    public StoreFixture Fixture { get; }

    public CapturingLogger<AnomalyDetector> Log { get; } = new();

    public ManualTimeProvider Time => Fixture.Time;

    public AuditTrail Trail { get; }

    public AnomalyDetector Detector { get; }

    public AlertMetrics Metrics { get; }

    public static async Task<DetectorHarness> CreateAsync(AnomalyDetectionOptions? options = null)
    {
        var fixture = await StoreFixture.CreateAsync();
        return new DetectorHarness(fixture, fixture.Store, options ?? new AnomalyDetectionOptions(), ownsFixture: true);
    }

    /// <summary>A second "gateway node": its own store connection, trail and detector on the same database.</summary>
    public async Task<DetectorHarness> SecondNodeAsync(AnomalyDetectionOptions? options = null) =>
        new(Fixture, await Fixture.OpenAnotherAsync(pooling: false), options ?? new AnomalyDetectionOptions(), ownsFixture: false);

    public static AuditEvent Login(string user, string source) => new(AuditEventTypes.AuthSuccess)
    {
        User = user,
        SourceAddress = source,
        SessionId = Guid.NewGuid().ToString("N"),
        Data = new Dictionary<string, string> { ["method"] = "publickey", ["mfa"] = "totp" },
    };

    public static AuditEvent Failure(string user, string source, string method = "keyboard-interactive", string reason = "wrong TOTP code") =>
        new(AuditEventTypes.AuthFailure, AuditSeverity.Warning)
        {
            User = user,
            SourceAddress = source,
            Data = new Dictionary<string, string> { ["method"] = method, ["reason"] = reason },
        };

    public static AuditEvent ChannelOpen(string user, string target, string? accountId = null, string? alias = null)
    {
        var data = new Dictionary<string, string> { ["target"] = target, ["address"] = "10.0.0.5:22" };
        if (accountId is not null)
        {
            data["account_id"] = accountId;
            data["account_alias"] = alias ?? "";
            data["instance_id"] = "i-0123456789abcdef0";
        }
        return new AuditEvent(AuditEventTypes.ChannelOpen) { User = user, SourceAddress = "198.51.100.7:40000", Data = data };
    }

    /// <summary>Appends <paramref name="auditEvent"/> at the current manual time.</summary>
    public Task<AuditRecord> AppendAsync(AuditEvent auditEvent) => Trail.AppendNowAsync(auditEvent);

    /// <summary>Waits until everything appended so far is evaluated and the resulting alerts are stored.</summary>
    public async Task SettleAsync()
    {
        using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(30));
        await Trail.FlushAsync(timeout.Token);
        await Detector.FlushAsync(timeout.Token);
        await Trail.FlushAsync(timeout.Token);
    }

    /// <summary>All alert records, oldest first.</summary>
    public async Task<IReadOnlyList<AuditRecord>> AlertsAsync(string? type = null)
    {
        await SettleAsync();
        var page = await Trail.QueryAsync(new AuditQuery { Type = type ?? AlertTypes.Prefix, Limit = 1000 });
        return page.Events.Reverse().ToList();
    }

    /// <summary>Set by tests that make the detector fail on purpose; otherwise any logged error fails the test at dispose.</summary>
    public bool ExpectErrors { get; set; }

    public async ValueTask DisposeAsync()
    {
        await Detector.StopAsync();
        await Trail.StopAsync();
        Metrics.Dispose();
        if (_ownsFixture)
        {
            await Fixture.DisposeAsync();
        }
        if (!ExpectErrors && Log.Lines.Any(l => l.Level >= Microsoft.Extensions.Logging.LogLevel.Error))
        {
            throw new InvalidOperationException("the anomaly detector logged errors:\n" + Log.Text);
        }
    }
}
