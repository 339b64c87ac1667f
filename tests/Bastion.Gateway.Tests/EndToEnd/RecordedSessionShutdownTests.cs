using Bastion.Gateway.Tests.Infrastructure;

namespace Bastion.Gateway.Tests.EndToEnd;

/// <summary>SIGTERM while a recorded session runs: the drain ends it, its recording is sealed (not lost) before the
/// disconnect is written, and the gateway exits 0 with a chain that verifies.</summary>
public sealed class RecordedSessionShutdownTests
{
    [Fact]
    public async Task Sigterm_seals_a_running_recording_before_the_gateway_exits()
    {
        await using var bed = await BastionTestbed.StartAsync(["--Bastion:Ssh:ShutdownDrainSeconds=2", "--Bastion:Recording:AllowedTargetUsers:0=root"]);
        bed.Target.AuthorizeKey((await GatewayCli.RunCheckedAsync(bed.DataDirectory, "recording", "client-key")).StandardOutput.Trim());
        await bed.AddAutomationUserAsync("rec-term");
        var client = bed.NewClient("rec-term");
        var ssh = client.Ssh.SshAsync(bed.GatewayEndpoint("rec-term"), "root@web-1 echo before-shutdown; sleep 60; echo not-reached",
            new SshCallOptions { Timeout = TimeSpan.FromSeconds(90) });
        await bed.WaitForAuditAsync(l => l.Any(e => e.Type == "session.recording.started" && e.User == "rec-term"), "the recording start");

        Assert.True(NativeProcess.Signal(bed.Gateway.ProcessId, NativeProcess.SIGTERM), "could not SIGTERM the gateway");
        Assert.Equal(0, await bed.Gateway.StopAsync(TimeSpan.FromSeconds(60)));
        var result = await ssh;

        Assert.DoesNotContain("not-reached", result.StandardOutput);
        var audit = await AuditTail.ReadAsync(bed.DataDirectory);
        var sealedEvent = Assert.Single(audit, e => e.Type == "session.recording.sealed" && e.User == "rec-term");
        Assert.Equal("complete", sealedEvent["status"]);
        var close = Assert.Single(audit, e => e.Type == "channel.close" && e.User == "rec-term");
        var disconnect = Assert.Single(audit, e => e.Type == "disconnect" && e.User == "rec-term");
        Assert.True(sealedEvent.Seq < close.Seq && close.Seq < disconnect.Seq, $"seal {sealedEvent.Seq}, close {close.Seq}, disconnect {disconnect.Seq}");
        (await GatewayCli.RunCheckedAsync(bed.DataDirectory, "recording", "verify", sealedEvent["recording_id"]!)).EnsureSuccess("recording verify");
        Assert.Contains("audit chain OK", (await GatewayCli.RunCheckedAsync(bed.DataDirectory, "audit", "verify")).StandardOutput, StringComparison.Ordinal);
    }
}
