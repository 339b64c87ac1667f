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

    [Fact]
    public async Task A_disconnect_counts_the_failures_it_summed_up_but_not_the_key_probes()
    {
        await using var h = await DetectorHarness.CreateAsync(Options);
        // One connection: its first wrong code is an auth.failure row, the next three and two unknown keys are summed up.
        await h.AppendAsync(DetectorHarness.Failure("alice", "198.51.100.9:5000"));
        await h.AppendAsync(Disconnect("alice", "198.51.100.9:5000", beyondRows: 5, keyProbes: 2));
        Assert.Empty(await h.AlertsAsync());

        await h.AppendAsync(Disconnect("alice", "198.51.100.10:5000", beyondRows: 1, keyProbes: 0));

        var alert = Assert.Single(await h.AlertsAsync());
        Assert.Equal("5", alert.Data["user_failures"]);
        Assert.Equal("user", alert.Data["subject"]);
        Assert.Contains("keyboard-interactive: wrong TOTP code", alert.Data["summary"], StringComparison.Ordinal);
    }

    [Fact]
    public async Task IPv6_sources_are_counted_per_64()
    {
        await using var h = await DetectorHarness.CreateAsync(Options);
        for (var i = 0; i < 5; i++)
        {
            await h.AppendAsync(DetectorHarness.Failure($"user{i}", $"2001:db8:1:2::{i + 1}:5000"));
        }

        var alert = Assert.Single(await h.AlertsAsync());
        Assert.Equal("source", alert.Data["subject"]);
        Assert.StartsWith("5 failed logins from 2001:db8:1:2::/64", alert.Data["summary"], StringComparison.Ordinal);
    }

    private static AuditEvent Disconnect(string user, string source, int beyondRows, int keyProbes) => new(AuditEventTypes.Disconnect)
    {
        User = user,
        SourceAddress = source,
        Data = new Dictionary<string, string>
        {
            ["reason"] = "client disconnected",
            ["authenticated"] = "false",
            ["auth_failures"] = (beyondRows + 1).ToString(System.Globalization.CultureInfo.InvariantCulture),
            ["auth_failures_beyond_rows"] = beyondRows.ToString(System.Globalization.CultureInfo.InvariantCulture),
            ["key_probes_beyond_rows"] = keyProbes.ToString(System.Globalization.CultureInfo.InvariantCulture),
            ["auth_failure_reasons"] = "keyboard-interactive: wrong TOTP code ×4; publickey: key not enrolled for this user ×2",
        },
    };
}
