using Bastion.Core.Alerts;

namespace Bastion.Core.Tests.Alerts;

public sealed class UnusualHourTests
{
    private static readonly DateTimeOffset Day0 = new(2030, 3, 4, 0, 0, 0, TimeSpan.Zero);

    [Fact]
    public async Task No_alerts_until_the_baseline_is_complete_then_only_outside_the_tolerance()
    {
        await using var h = await DetectorHarness.CreateAsync(new AnomalyDetectionOptions { MinLoginsForHourBaseline = 20, HourTolerance = 1 });
        // 19 logins at 09:xx and one at 03:xx: unusual hours are not judged before 20 logins are on record.
        for (var day = 0; day < 19; day++)
        {
            await LoginAtAsync(h, day, 9, 15);
        }
        await LoginAtAsync(h, 19, 3, 0);
        Assert.Empty(await h.AlertsAsync());

        await LoginAtAsync(h, 20, 10, 59); // within ±1 of 09
        await LoginAtAsync(h, 21, 2, 30);  // within ±1 of 03 (seen once)
        Assert.Empty(await h.AlertsAsync());

        var trigger = await LoginAtAsync(h, 22, 17, 5);
        await LoginAtAsync(h, 23, 17, 45); // 17 is now known

        var alert = Assert.Single(await h.AlertsAsync());
        Assert.Equal(AlertTypes.UnusualHour, alert.Type);
        Assert.Equal(trigger.Seq.ToString(System.Globalization.CultureInfo.InvariantCulture), alert.Data["trigger_seq"]);
        Assert.Equal("17", alert.Data["hour"]);
        Assert.Equal("UTC", alert.Data["time_zone"]);
        Assert.Equal("02,03,09,10", alert.Data["usual_hours"]);
        Assert.Equal("22", alert.Data["logins"]);
        Assert.Contains("alice logged in at 2030-03-26 17:05 UTC", alert.Data["summary"], StringComparison.Ordinal);
    }

    [Fact]
    public async Task Hours_wrap_around_midnight_and_follow_the_configured_time_zone()
    {
        // UTC+5:30 (no DST), so 18:45 UTC is 00:15 local.
        var zone = TimeZoneInfo.CreateCustomTimeZone("Test/Plus0530", TimeSpan.FromMinutes(330), "Test/Plus0530", "Test/Plus0530");
        await using var h = await DetectorHarness.CreateAsync(new AnomalyDetectionOptions { MinLoginsForHourBaseline = 3, HourTolerance = 1, TimeZone = zone });
        for (var day = 0; day < 3; day++)
        {
            await LoginAtAsync(h, day, 17, 40); // 23:10 local
        }
        await LoginAtAsync(h, 3, 18, 45); // 00:15 local: next to 23, across midnight
        Assert.Empty(await h.AlertsAsync());

        await LoginAtAsync(h, 4, 0, 0); // 05:30 local
        var alert = Assert.Single(await h.AlertsAsync());
        Assert.Equal("05", alert.Data["hour"]);
        Assert.Equal("Test/Plus0530", alert.Data["time_zone"]);
        Assert.Equal("00,23", alert.Data["usual_hours"]);
    }

    private static Task<Bastion.Core.Audit.AuditRecord> LoginAtAsync(DetectorHarness h, int day, int hour, int minute)
    {
        h.Time.Set(Day0.AddDays(day).AddHours(hour).AddMinutes(minute));
        return h.AppendAsync(DetectorHarness.Login("alice", "198.51.100.7:50000"));
    }
}
