using Bastion.Core.Alerts;
using Bastion.Core.Audit;

namespace Bastion.Core.Tests.Alerts;

public sealed class FailureBurstTests
{
    private static readonly AnomalyDetectionOptions Options = new() { MfaFailureBurstThreshold = 5, MfaFailureBurstWindow = TimeSpan.FromMinutes(5) };

    [Fact]
    public async Task Five_failures_within_the_window_raise_one_alert_per_burst()
    {
        await using var h = await DetectorHarness.CreateAsync(Options);
        for (var i = 0; i < 4; i++)
        {
            await h.AppendAsync(DetectorHarness.Failure("alice", $"198.51.100.{i + 1}:5000"));
            h.Time.Advance(TimeSpan.FromSeconds(30));
        }
        Assert.Empty(await h.AlertsAsync());

        var fifth = await h.AppendAsync(DetectorHarness.Failure("alice", "198.51.100.9:5000"));
        // The burst goes on: more failures, still close together, are the same burst.
        for (var i = 0; i < 10; i++)
        {
            h.Time.Advance(TimeSpan.FromMinutes(1));
            await h.AppendAsync(DetectorHarness.Failure("alice", "198.51.100.9:5000"));
        }

        var alert = Assert.Single(await h.AlertsAsync());
        Assert.Equal(AlertTypes.MfaFailureBurst, alert.Type);
        Assert.Equal(AuditSeverity.Warning, alert.Severity);
        Assert.Equal("alice", alert.User);
        Assert.Equal(fifth.Seq.ToString(System.Globalization.CultureInfo.InvariantCulture), alert.Data["trigger_seq"]);
        Assert.Equal("user", alert.Data["subject"]);
        Assert.Equal("5", alert.Data["user_failures"]);
        Assert.Equal("300", alert.Data["window_seconds"]);
        Assert.StartsWith("5 failed logins for alice within 5 min (latest from 198.51.100.9: wrong TOTP code)", alert.Data["summary"], StringComparison.Ordinal);

        // Quiet for longer than the window, then a new burst: a new alert.
        h.Time.Advance(TimeSpan.FromMinutes(30));
        for (var i = 0; i < 5; i++)
        {
            await h.AppendAsync(DetectorHarness.Failure("alice", "198.51.100.9:5000"));
        }
        Assert.Equal(2, (await h.AlertsAsync()).Count);
    }

    [Fact]
    public async Task Failures_spread_out_beyond_the_window_do_not_alert()
    {
        await using var h = await DetectorHarness.CreateAsync(Options);
        for (var i = 0; i < 12; i++)
        {
            await h.AppendAsync(DetectorHarness.Failure("alice", "198.51.100.9:5000"));
            h.Time.Advance(TimeSpan.FromMinutes(2)); // at most 3 in any 5 minutes
        }
        Assert.Empty(await h.AlertsAsync());
    }

    [Fact]
    public async Task Key_probes_do_not_count_but_failures_from_one_address_for_many_users_do()
    {
        await using var h = await DetectorHarness.CreateAsync(Options);
        for (var i = 0; i < 10; i++)
        {
            // OpenSSH offering agent keys the gateway does not know: routine, not an attack.
            await h.AppendAsync(DetectorHarness.Failure("alice", "198.51.100.9:5000", "publickey", "key not enrolled for this user"));
        }
        Assert.Empty(await h.AlertsAsync());

        for (var i = 0; i < 5; i++)
        {
            await h.AppendAsync(DetectorHarness.Failure($"user{i}", $"203.0.113.66:{6000 + i}"));
        }
        var alert = Assert.Single(await h.AlertsAsync());
        Assert.Equal("source", alert.Data["subject"]);
        Assert.Equal("5", alert.Data["source_failures"]);
        Assert.Equal("user4", alert.User);
        Assert.StartsWith("5 failed logins from 203.0.113.66 within 5 min", alert.Data["summary"], StringComparison.Ordinal);
    }

    [Fact]
    public async Task Failures_spread_over_two_nodes_are_counted_together_and_alert_once()
    {
        await using var node1 = await DetectorHarness.CreateAsync(Options);
        await using var node2 = await node1.SecondNodeAsync(Options);
        // A load balancer alternates: neither node alone sees five failures.
        for (var i = 0; i < 8; i++)
        {
            var node = i % 2 == 0 ? node1 : node2;
            await node.AppendAsync(DetectorHarness.Failure("alice", $"198.51.100.{i + 1}:5000"));
            await node.SettleAsync();
            node1.Time.Advance(TimeSpan.FromSeconds(10));
        }
        await node1.SettleAsync();
        await node2.SettleAsync();

        var alert = Assert.Single(await node1.AlertsAsync());
        Assert.Equal("5", alert.Data["user_failures"]);
    }
}
