using System.Diagnostics;
using System.Net;
using System.Text.Json;
using Bastion.Core.Tests.Support;
using Bastion.Gateway.Tests.Infrastructure;

namespace Bastion.Gateway.Tests.EndToEnd;

/// <summary>
/// Anomaly alerts end to end: real OpenSSH logins (key + TOTP, ssh -J) from two loopback networks through the real
/// gateway, which posts the finding to a local HTTP listener standing in for Slack and records it in the audit trail.
/// </summary>
public sealed class AlertTests
{
    private static readonly TimeSpan Wait = TimeSpan.FromSeconds(60);

    [Fact]
    public async Task Login_from_a_new_network_is_posted_to_the_webhook_and_audited()
    {
        await using var receiver = WebhookReceiver.Start();
        await using var bed = await BastionTestbed.StartAsync($"--Bastion:Alerts:WebhookUrl={receiver.Url}");
        var user = "alice-" + Guid.NewGuid().ToString("N")[..6];
        var secret = await bed.AddTotpUserAsync(user);
        var (home, away) = TwoNetworks();
        var codes = await TotpCodesAsync(secret);

        await LoginAsync(bed, user, home, codes[0]); // first login: the baseline, no alert
        await LoginAsync(bed, user, away, codes[1]);

        var request = Assert.Single(await receiver.WaitForAsync(1, Wait));
        Assert.StartsWith("application/json", request.ContentType, StringComparison.Ordinal);
        using var json = JsonDocument.Parse(request.Body);
        var text = json.RootElement.GetProperty("text").GetString()!;
        Assert.StartsWith($":rotating_light: Bastion alert: {user} logged in from a new network {Net(away)} (from {away}) at ", text, StringComparison.Ordinal);

        var audit = await bed.WaitForAuditAsync(l => l.Any(e => e.Type == "alert.new_source_network" && e.User == user), "the new-network alert");
        var alert = Assert.Single(audit, e => e.Type == "alert.new_source_network" && e.User == user);
        Assert.Equal("warning", alert.Severity);
        Assert.Equal(away.ToString(), alert.SourceAddress);
        Assert.Equal(Net(away), alert["network"]);
        Assert.Equal("1", alert["known_networks"]);
        var trigger = Assert.Single(audit, e => e.Type == "auth.success" && e.User == user && e.SourceAddress == away.ToString());
        Assert.Equal(trigger.Seq.ToString(System.Globalization.CultureInfo.InvariantCulture), alert["trigger_seq"]);
        Assert.DoesNotContain(audit, e => e.Type.StartsWith("alert.", StringComparison.Ordinal) && e.User == user && e.Seq < trigger.Seq);
        Assert.DoesNotContain(WebhookReceiver.SecretToken, bed.Gateway.Output, StringComparison.Ordinal);
    }

    [Fact]
    public async Task A_failing_webhook_is_retried_then_given_up_and_logins_do_not_wait_for_it()
    {
        await using var receiver = WebhookReceiver.Start();
        receiver.Respond = _ => (500, null);
        await using var bed = await BastionTestbed.StartAsync(
            $"--Bastion:Alerts:WebhookUrl={receiver.Url}",
            "--Bastion:Alerts:WebhookMaxAttempts=3",
            "--Bastion:Alerts:WebhookBaseDelayMilliseconds=200",
            "--Bastion:Alerts:WebhookTimeoutSeconds=120");
        var user = "bob-" + Guid.NewGuid().ToString("N")[..6];
        var secret = await bed.AddTotpUserAsync(user);
        var (home, away) = TwoNetworks();
        var codes = await TotpCodesAsync(secret);

        await LoginAsync(bed, user, home, codes[0]);
        receiver.HoldNext(); // the first webhook attempt gets no answer until released
        await LoginAsync(bed, user, away, codes[1]);
        await receiver.WaitForAsync(1, Wait);

        // The gateway is stuck on that webhook call, yet the next login goes through at once.
        await LoginAsync(bed, user, away, codes[2]);
        Assert.True(receiver.IsHolding, "the held webhook request was answered before the test released it");
        Assert.Single(receiver.Requests);

        receiver.Release();
        var requests = await receiver.WaitForAsync(3, Wait);
        var log = await WaitForOutputAsync(bed, "gave up on alert.new_source_network");
        Assert.Contains("after 3 attempt(s): HTTP 500", log, StringComparison.Ordinal);
        Assert.Contains("1 alert(s) given up since start", log, StringComparison.Ordinal);
        Assert.Contains($"alert webhook {receiver.Url.Scheme}://{receiver.Url.Authority}:", log, StringComparison.Ordinal);
        Assert.DoesNotContain(WebhookReceiver.SecretToken, bed.Gateway.Output, StringComparison.Ordinal);
        Assert.Equal(3, requests.Count);
        Assert.Single(requests.Select(r => r.Body).Distinct());
        await bed.WaitForAuditAsync(l => l.Any(e => e.Type == "alert.new_source_network" && e.User == user), "the new-network alert");
    }

    /// <summary>Two source addresses outside the shared alias pool (127.0.20+), in different /24 networks.</summary>
    private static (IPAddress Home, IPAddress Away) TwoNetworks()
    {
        var host = (byte)Random.Shared.Next(1, 255);
        return (new IPAddress([127, 0, 11, host]), new IPAddress([127, 0, 12, host]));
    }

    private static string Net(IPAddress address)
    {
        var b = address.GetAddressBytes();
        return $"{b[0]}.{b[1]}.{b[2]}.0/24";
    }

    /// <summary>
    /// Three codes for consecutive TOTP steps (previous, current, next), so one user can log in three times without
    /// waiting 30 s for a fresh code (the gateway refuses a step it already accepted, and tolerates ±1 step). Starts
    /// in the first half of a step (bounded wait) so that all three stay valid for the next 15 s at least.
    /// </summary>
    private static async Task<string[]> TotpCodesAsync(string secret)
    {
        var sw = Stopwatch.StartNew();
        while (DateTimeOffset.UtcNow.ToUnixTimeSeconds() % 30 >= 10 && sw.Elapsed < TimeSpan.FromSeconds(25))
        {
            await Task.Delay(250);
        }
        var now = DateTimeOffset.UtcNow;
        return [TotpCode.Compute(secret, now, -1), TotpCode.Compute(secret, now, 0), TotpCode.Compute(secret, now, 1)];
    }

    private static async Task LoginAsync(BastionTestbed bed, string user, IPAddress source, string code)
    {
        var client = bed.NewClient(user, sourceAddress: source);
        client.Ssh.AskPass.SetAnswer(code);
        var result = await client.Ssh.SshAsync(BastionTestbed.TargetHost, "true");
        Assert.True(result.Succeeded, $"login of {user} from {source} failed: " + result.Describe() + bed.Logs());
    }

    private static async Task<string> WaitForOutputAsync(BastionTestbed bed, string text)
    {
        var sw = Stopwatch.StartNew();
        while (true)
        {
            var line = bed.Gateway.Output.Split('\n').FirstOrDefault(l => l.Contains(text, StringComparison.Ordinal));
            if (line is not null)
            {
                return line;
            }
            if (sw.Elapsed > Wait)
            {
                throw new TimeoutException($"the gateway never logged \"{text}\" within {Wait.TotalSeconds} s" + bed.Logs());
            }
            await Task.Delay(100);
        }
    }
}
