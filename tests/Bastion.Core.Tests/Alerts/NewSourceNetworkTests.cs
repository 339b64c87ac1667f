using System.Diagnostics.Metrics;
using Bastion.Core.Alerts;
using Bastion.Core.Audit;

namespace Bastion.Core.Tests.Alerts;

public sealed class NewSourceNetworkTests
{
    [Fact]
    public async Task First_ever_login_sets_the_baseline_and_a_new_network_alerts_once()
    {
        await using var h = await DetectorHarness.CreateAsync();
        await h.AppendAsync(DetectorHarness.Login("alice", "198.51.100.7:50000"));
        await h.AppendAsync(DetectorHarness.Login("alice", "198.51.100.200:50001")); // same /24
        Assert.Empty(await h.AlertsAsync());

        h.Time.Set(new DateTimeOffset(2026, 11, 29, 18, 0, 0, TimeSpan.Zero));
        var trigger = await h.AppendAsync(DetectorHarness.Login("alice", "203.0.113.9:40000"));
        await h.AppendAsync(DetectorHarness.Login("alice", "203.0.113.10:40001")); // now known

        var alerts = await h.AlertsAsync();
        Assert.True(alerts.Count > 0, h.Log.Text);
        var alert = Assert.Single(alerts, a => a.Type == AlertTypes.NewSourceNetwork);
        Assert.True(alerts.Count == 1, h.Log.Text);
        Assert.Equal(AuditSeverity.Warning, alert.Severity);
        Assert.Equal("alice", alert.User);
        Assert.Equal("203.0.113.9:40000", alert.SourceAddress);
        Assert.Equal(trigger.SessionId, alert.SessionId);
        Assert.Equal("203.0.113.0/24", alert.Data["network"]);
        Assert.Equal("203.0.113.9", alert.Data["address"]);
        Assert.Equal("1", alert.Data["known_networks"]);
        Assert.Equal(trigger.Seq.ToString(System.Globalization.CultureInfo.InvariantCulture), alert.Data["trigger_seq"]);
        Assert.Equal("alice logged in from a new network 203.0.113.0/24 (from 203.0.113.9) at 2026-11-29 18:00 UTC", alert.Data["summary"]);
    }

    [Fact]
    public async Task Users_have_their_own_baselines()
    {
        await using var h = await DetectorHarness.CreateAsync();
        await h.AppendAsync(DetectorHarness.Login("alice", "198.51.100.7:50000"));
        await h.AppendAsync(DetectorHarness.Login("bob", "203.0.113.9:40000"));
        await h.AppendAsync(DetectorHarness.Login("bob", "198.51.100.8:40000"));

        var alert = Assert.Single(await h.AlertsAsync());
        Assert.Equal("bob", alert.User);
        Assert.Equal("198.51.100.0/24", alert.Data["network"]);
    }

    [Fact]
    public async Task AlertOnFirstEverLogin_alerts_on_the_very_first_login()
    {
        await using var h = await DetectorHarness.CreateAsync(new AnomalyDetectionOptions { AlertOnFirstEverLogin = true });
        await h.AppendAsync(DetectorHarness.Login("alice", "198.51.100.7:50000"));

        var alert = Assert.Single(await h.AlertsAsync());
        Assert.Equal("0", alert.Data["known_networks"]);
    }

    [Fact]
    public async Task IPv6_logins_are_grouped_by_the_configured_prefix()
    {
        await using var h = await DetectorHarness.CreateAsync(new AnomalyDetectionOptions { NewNetworkPrefixV6 = 48 });
        await h.AppendAsync(DetectorHarness.Login("alice", "2001:db8:1:2::10:50000"));
        await h.AppendAsync(DetectorHarness.Login("alice", "[2001:db8:1:ffff::1]:50000")); // same /48
        await h.AppendAsync(DetectorHarness.Login("alice", "::ffff:198.51.100.7:50000")); // IPv4-mapped counts as IPv4

        var alert = Assert.Single(await h.AlertsAsync());
        Assert.Equal("198.51.100.0/24", alert.Data["network"]);
    }

    [Fact]
    public async Task Two_nodes_seeing_the_same_first_login_raise_one_alert()
    {
        await using var node1 = await DetectorHarness.CreateAsync();
        await using var node2 = await node1.SecondNodeAsync();
        await node1.AppendAsync(DetectorHarness.Login("alice", "198.51.100.7:50000"));
        await node1.SettleAsync();

        // Both nodes store and evaluate a login from the same new network at the same time.
        await Task.WhenAll(
            Task.Run(() => node1.AppendAsync(DetectorHarness.Login("alice", "203.0.113.9:40000"))),
            Task.Run(() => node2.AppendAsync(DetectorHarness.Login("alice", "203.0.113.77:40000"))));
        await node2.SettleAsync();

        var alert = Assert.Single(await node1.AlertsAsync(AlertTypes.NewSourceNetwork));
        Assert.Equal("203.0.113.0/24", alert.Data["network"]);
    }

    [Fact]
    public async Task Raised_alerts_are_counted_by_kind()
    {
        await using var h = await DetectorHarness.CreateAsync();
        var kinds = new List<string>();
        using var listener = new MeterListener();
        listener.InstrumentPublished = (instrument, l) =>
        {
            if (ReferenceEquals(instrument.Meter, h.Metrics.Meter) && instrument.Name == "bastion.alerts.raised")
            {
                l.EnableMeasurementEvents(instrument);
            }
        };
        listener.SetMeasurementEventCallback<long>((_, value, tags, _) =>
        {
            lock (kinds)
            {
                foreach (var tag in tags)
                {
                    if (tag.Key == "kind")
                    {
                        kinds.Add($"{tag.Value}={value}");
                    }
                }
            }
        });
        listener.Start();

        await h.AppendAsync(DetectorHarness.Login("alice", "198.51.100.7:50000"));
        await h.AppendAsync(DetectorHarness.Login("alice", "203.0.113.9:40000"));
        await h.SettleAsync();

        lock (kinds)
        {
            Assert.Equal(["new_source_network=1"], kinds);
        }
    }
}
