using Bastion.Core.Alerts;
using Bastion.Core.Audit;
using Bastion.Core.Store;

namespace Bastion.Core.Tests.Alerts;

public sealed class AccessAndKeyTests
{
    [Fact]
    public async Task First_access_to_a_target_and_to_an_account_alert_after_the_baseline()
    {
        await using var h = await DetectorHarness.CreateAsync();
        await h.AppendAsync(DetectorHarness.ChannelOpen("alice", "web-1", "111122223333", "dev-a"));
        await h.AppendAsync(DetectorHarness.ChannelOpen("alice", "WEB-1", "111122223333", "dev-a")); // names are case-insensitive
        Assert.Empty(await h.AlertsAsync());

        var db = await h.AppendAsync(DetectorHarness.ChannelOpen("alice", "db-1", "111122223333", "dev-a"));
        var prod = await h.AppendAsync(DetectorHarness.ChannelOpen("alice", "db-1", "444455556666", "prod-x"));
        var staticTarget = await h.AppendAsync(DetectorHarness.ChannelOpen("alice", "static-1")); // no account: a new target only

        var alerts = await h.AlertsAsync();
        Assert.Equal(
            [(AlertTypes.FirstTargetAccess, db.Seq), (AlertTypes.FirstAccountAccess, prod.Seq), (AlertTypes.FirstTargetAccess, staticTarget.Seq)],
            alerts.Select(a => (a.Type, long.Parse(a.Data["trigger_seq"], System.Globalization.CultureInfo.InvariantCulture))));
        Assert.Equal("db-1", alerts[0].Data["target"]);
        Assert.Equal("1", alerts[0].Data["known_targets"]);
        Assert.StartsWith("alice opened a channel to db-1 for the first time (account dev-a) at ", alerts[0].Data["summary"], StringComparison.Ordinal);
        Assert.Equal("444455556666", alerts[1].Data["account"]);
        Assert.Equal("1", alerts[1].Data["known_accounts"]);
        Assert.StartsWith("alice reached account 444455556666 (prod-x) for the first time, via db-1 at ", alerts[1].Data["summary"], StringComparison.Ordinal);
    }

    [Fact]
    public async Task Every_counter_regression_is_a_critical_alert()
    {
        await using var h = await DetectorHarness.CreateAsync();
        var regression = new AuditEvent(AuditEventTypes.SecurityKeyCounterRegression, AuditSeverity.Critical)
        {
            User = "alice",
            SourceAddress = "198.51.100.7:50000",
            Data = new Dictionary<string, string>
            {
                ["key_fingerprint"] = "SHA256:abc", ["counter"] = "7", ["last_counter"] = "9", ["action"] = "rejected",
            },
        };
        await h.AppendAsync(regression);
        await h.AppendAsync(regression);

        var alerts = await h.AlertsAsync();
        Assert.Equal(2, alerts.Count);
        Assert.All(alerts, a => Assert.Equal(AuditSeverity.Critical, a.Severity));
        Assert.Equal(AlertTypes.SecurityKeyCounterRegression, alerts[0].Type);
        Assert.Equal("alice's security key SHA256:abc sent counter 7 after 9 (from 198.51.100.7): possible cloned authenticator; login rejected",
            alerts[0].Data["summary"]);
    }

    [Fact]
    public async Task Alert_records_are_never_evaluated_again()
    {
        await using var h = await DetectorHarness.CreateAsync(new AnomalyDetectionOptions { AlertOnFirstEverLogin = true });
        // An alert record that looks like a login and a channel to a new target must not feed the detectors.
        await h.AppendAsync(new AuditEvent(AlertTypes.NewSourceNetwork, AuditSeverity.Warning)
        {
            User = "alice",
            SourceAddress = "198.51.100.7:50000",
            Data = new Dictionary<string, string> { ["target"] = "web-1" },
        });
        var alerts = await h.AlertsAsync();
        Assert.Single(alerts);
    }

    [Fact]
    public async Task Store_errors_are_logged_and_detection_goes_on()
    {
        await using var fixture = await Support.StoreFixture.CreateAsync();
        var flaky = new FailingOnceBaselines(fixture.Store);
        var log = new Support.CapturingLogger<AnomalyDetector>();
        using var metrics = new AlertMetrics();
        await using var trail = new AuditTrail(fixture.Store, timeProvider: fixture.Time);
        await using var detector = new AnomalyDetector(flaky, fixture.Store, trail, new AnomalyDetectionOptions(), metrics, fixture.Time, log);
        trail.AddObserver(detector);
        trail.Start();
        detector.Start();

        await trail.AppendNowAsync(DetectorHarness.Login("alice", "198.51.100.7:50000")); // baseline write fails
        await trail.AppendNowAsync(DetectorHarness.Login("alice", "198.51.100.7:50000")); // this one sets the baseline
        await trail.AppendNowAsync(DetectorHarness.Login("alice", "203.0.113.9:50000"));
        await trail.FlushAsync();
        await detector.FlushAsync();
        await trail.FlushAsync();

        var alerts = (await trail.QueryAsync(new AuditQuery { Type = AlertTypes.Prefix })).Events;
        Assert.Equal(AlertTypes.NewSourceNetwork, Assert.Single(alerts).Type);
        var error = Assert.Single(log.Lines, l => l.Level == Microsoft.Extensions.Logging.LogLevel.Error);
        Assert.Contains("could not evaluate audit record 1 (auth.success); skipped it, detection goes on", error.Message, StringComparison.Ordinal);
        Assert.Contains("database is locked (simulated)", error.Message, StringComparison.Ordinal);
    }

    /// <summary>The real store, except that the first first-seen write fails as a busy database would.</summary>
    private sealed class FailingOnceBaselines(IAnomalyBaselineStore inner) : IAnomalyBaselineStore
    {
        private int _calls;

        public Task<FirstSeenResult> TryRecordFirstSeenAsync(string user, string kind, string value, DateTimeOffset at, CancellationToken ct = default) =>
            Interlocked.Increment(ref _calls) == 1
                ? throw new InvalidOperationException("database is locked (simulated)")
                : inner.TryRecordFirstSeenAsync(user, kind, value, at, ct);

        public Task<IReadOnlyList<long>> RecordLoginHourAsync(string user, int hour, CancellationToken ct = default) => inner.RecordLoginHourAsync(user, hour, ct);

        public Task<bool> TryStartEpisodeAsync(string subject, DateTimeOffset at, TimeSpan quietPeriod, CancellationToken ct = default) =>
            inner.TryStartEpisodeAsync(subject, at, quietPeriod, ct);

        public Task<bool> IsEpisodeRunningAsync(string subject, DateTimeOffset at, TimeSpan quietPeriod, CancellationToken ct = default) =>
            inner.IsEpisodeRunningAsync(subject, at, quietPeriod, ct);
    }
}
