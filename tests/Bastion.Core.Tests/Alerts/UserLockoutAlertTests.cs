using Bastion.Core.Alerts;
using Bastion.Core.Audit;

namespace Bastion.Core.Tests.Alerts;

public sealed class UserLockoutAlertTests
{
    [Fact]
    public async Task Every_user_lockout_is_an_alert_that_says_how_long_and_how_many_in_a_row()
    {
        await using var h = await DetectorHarness.CreateAsync();
        await h.AppendAsync(Lockout("user", 1, 900));
        await h.AppendAsync(Lockout("user", 4, 7200));
        await h.AppendAsync(Lockout("address", 1, 900));

        var alerts = await h.AlertsAsync(AlertTypes.UserLockedOut);

        Assert.Equal(2, alerts.Count);
        Assert.All(alerts, a => Assert.Equal("mallory-target", a.Data["locked_user"]));
        Assert.StartsWith("mallory-target is locked out for 15 min after failed logins, the last from 198.51.100.9;", alerts[0].Data["summary"], StringComparison.Ordinal);
        Assert.Contains("locked out for 2 h", alerts[1].Data["summary"], StringComparison.Ordinal);
        Assert.Contains("(lockout 4 in a row: someone keeps guessing)", alerts[1].Data["summary"], StringComparison.Ordinal);
        Assert.Equal("4", alerts[1].Data["lockout_number"]);
    }

    private static AuditEvent Lockout(string subject, int number, int seconds) => new(AuditEventTypes.AuthLockout, AuditSeverity.Warning)
    {
        User = "mallory-target",
        SourceAddress = "198.51.100.9:5000",
        Data = new Dictionary<string, string>
        {
            ["reason"] = "user mallory-target is locked out after 5 failed logins",
            ["subject"] = subject,
            [subject == "user" ? "locked_user" : "address"] = subject == "user" ? "mallory-target" : "198.51.100.9",
            ["lockout_number"] = number.ToString(System.Globalization.CultureInfo.InvariantCulture),
            ["locked_for_seconds"] = seconds.ToString(System.Globalization.CultureInfo.InvariantCulture),
        },
    };
}
