using Bastion.Gateway.Tests.Infrastructure;

namespace Bastion.Gateway.Tests.EndToEnd;

/// <summary>
/// kill -9 of the gateway in the middle of a forwarded session: every event committed before the crash is still
/// there and the chain verifies; the restarted node records the session it lost (session.lost) instead of leaving
/// it "live" forever.
/// </summary>
public sealed class CrashRecoveryTests
{
    [Fact]
    public async Task Kill_9_mid_session_loses_no_committed_event_and_the_restart_records_the_lost_session()
    {
        await using var bed = await BastionTestbed.StartAsync();
        await bed.AddAutomationUserAsync("crashy");
        var client = bed.NewClient("crashy");
        var ssh = client.Ssh.SshAsync(BastionTestbed.TargetHost, "sleep 60; echo survived", new SshCallOptions { Timeout = TimeSpan.FromSeconds(90) });
        var before = await bed.WaitForAuditAsync(l => l.Any(e => e.Type == "channel.open" && client.Owns(e)), "the channel.open of the session");
        await WaitForLiveRowAsync(bed, "crashy");

        Assert.True(NativeProcess.Signal(bed.Gateway.ProcessId, NativeProcess.SIGKILL), "could not SIGKILL the gateway");
        var result = await ssh;
        Assert.False(result.Succeeded, "the session outlived its gateway: " + result.Describe());
        Assert.DoesNotContain("survived", result.StandardOutput, StringComparison.Ordinal);

        var verify = await GatewayCli.RunCheckedAsync(bed.DataDirectory, "audit", "verify");
        Assert.Contains("audit chain OK", verify.StandardOutput, StringComparison.Ordinal);
        var after = await AuditTail.ReadAsync(bed.DataDirectory);
        foreach (var committed in before)
        {
            Assert.Contains(after, e => e.Seq == committed.Seq && e.Text == committed.Text);
        }

        await using var restarted = await GatewayProcess.StartAsync(bed.DataDirectory, bed.Gateway.Address, bed.Gateway.Port,
            ["--Bastion:Ssh:AuthFailureDelayMilliseconds=100"]);
        var lost = await bed.WaitForAuditAsync(l => l.Any(e => e.Type == "session.lost" && e.User == "crashy"), "session.lost for the killed session");
        var entry = Assert.Single(lost, e => e.Type == "session.lost" && e.User == "crashy");
        Assert.Equal(BastionTestbed.TargetName, entry["target"]);
        Assert.Equal(client.SourceAddress.ToString(), entry.SourceAddress);
        var list = await GatewayCli.RunCheckedAsync(bed.DataDirectory, "session", "list");
        Assert.DoesNotContain("crashy", list.StandardOutput, StringComparison.Ordinal);
        verify = await GatewayCli.RunCheckedAsync(bed.DataDirectory, "audit", "verify");
        Assert.Contains("audit chain OK", verify.StandardOutput, StringComparison.Ordinal);

        // The restarted node serves again.
        var again = await bed.NewClient("crashy").Ssh.SshAsync(BastionTestbed.TargetHost, "echo back");
        Assert.True(again.Succeeded, again.Describe() + "\n" + restarted.Output);
    }

    private static async Task WaitForLiveRowAsync(BastionTestbed bed, string user)
    {
        for (var attempt = 0; attempt < 100; attempt++)
        {
            var list = await GatewayCli.RunAsync(bed.DataDirectory, "session", "list");
            if (list.StandardOutput.Contains(user, StringComparison.Ordinal))
            {
                return;
            }
            await Task.Delay(200);
        }
        throw new TimeoutException($"no live-session row for {user} within 20 s");
    }
}
