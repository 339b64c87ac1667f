using System.Diagnostics;
using Bastion.Gateway.Tests.Infrastructure;

namespace Bastion.Gateway.Tests.EndToEnd;

/// <summary>
/// Connections that neither side ends: a client that froze (a laptop lid closed; here SIGSTOP, so its kernel still
/// acknowledges TCP and only keepalives can tell), a session left idle, a session past its maximum time. Each gets
/// its own gateway with short limits; the client is real OpenSSH through ProxyJump.
/// </summary>
public sealed class ConnectionLivenessTests : IAsyncLifetime
{
    private BastionTestbed? _bed;

    [Fact]
    public async Task A_frozen_client_is_disconnected_after_its_keepalives_go_unanswered_and_a_live_one_is_not()
    {
        var bed = await StartAsync("--Bastion:Ssh:ClientAliveIntervalSeconds=1", "--Bastion:Ssh:ClientAliveCountMax=3");
        await bed.AddAutomationUserAsync("frozen");
        var client = bed.NewClient("frozen");
        await using var ssh = client.Ssh.StartSsh(BastionTestbed.TargetHost, "echo started; sleep 120");
        Assert.True(await ssh.WaitForOutputAsync(o => o.Contains("started", StringComparison.Ordinal), TimeSpan.FromSeconds(30)), ssh.Output + bed.Logs());

        // Six intervals of silence on the channel: the client answers every probe, so it stays.
        await Task.Delay(TimeSpan.FromSeconds(6));
        Assert.False(ssh.HasExited, "a client that answers keepalives was disconnected:\n" + ssh.Output + bed.Logs());
        Assert.DoesNotContain(await AuditTail.ReadAsync(bed.DataDirectory), e => e.Type == "disconnect" && e.User == "frozen");

        var processes = NativeProcess.Descendants(ssh.Id).Prepend(ssh.Id).ToList();
        var frozenAt = Stopwatch.StartNew();
        foreach (var pid in processes)
        {
            NativeProcess.Signal(pid, NativeProcess.SIGSTOP);
        }
        try
        {
            var audit = await bed.WaitForAuditAsync(l => l.Any(e => e.Type == "disconnect" && e.User == "frozen"), "the frozen client's disconnect", TimeSpan.FromSeconds(30));
            var reason = Assert.Single(audit, e => e.Type == "disconnect" && e.User == "frozen")["reason"];
            Assert.Contains("client did not answer", reason);
            Assert.Contains("3 keepalives at 1 s intervals", reason);
            // (CountMax + 1) silent intervals, checked every quarter interval: about 4 s; the bound only says "not hours".
            Assert.True(frozenAt.Elapsed < TimeSpan.FromSeconds(20), $"disconnected {frozenAt.Elapsed.TotalSeconds:F1} s after the client froze");
            Assert.DoesNotContain(BastionTestbed.TargetName, (await GatewayCli.RunCheckedAsync(bed.DataDirectory, "session", "list")).StandardOutput);
        }
        finally
        {
            foreach (var pid in processes)
            {
                NativeProcess.Signal(pid, NativeProcess.SIGCONT);
            }
        }
        // Thawed, the client finds its connection gone and exits with an error instead of running on.
        Assert.NotEqual(0, await ssh.StopAsync(graceful: false, grace: TimeSpan.FromSeconds(15)) ?? -1);
    }

    [Fact]
    public async Task An_idle_session_is_closed_and_a_busy_one_is_not()
    {
        var bed = await StartAsync("--Bastion:Ssh:IdleTimeoutSeconds=3", "--Bastion:Ssh:ClientAliveIntervalSeconds=1");
        await bed.AddAutomationUserAsync("idler");
        var client = bed.NewClient("idler");

        // Output every half second for 6 s: twice the idle timeout, never idle. The keepalives of the idle one below
        // (every second) must not count as use either way. (3 s, not less: the inner login under a busy test run
        // can pause a second or two.)
        var busy = await client.Ssh.SshAsync(BastionTestbed.TargetHost, "for i in $(seq 12); do echo tick; sleep 0.5; done");
        Assert.True(busy.Succeeded, busy.Describe() + bed.Logs());
        Assert.Equal(12, busy.StandardOutput.Split('\n').Count(l => l == "tick"));

        var idle = await client.Ssh.SshAsync(BastionTestbed.TargetHost, "echo started; sleep 60; echo never-idled-out");
        Assert.False(idle.Succeeded);
        Assert.Equal("started\n", idle.StandardOutput);
        Assert.Contains("idle for 3 s with no data on any channel", idle.StandardError);
        var audit = await bed.WaitForAuditAsync(l => l.Any(e => e.Type == "disconnect" && e.User == "idler" && (e["reason"] ?? "").Contains("idle", StringComparison.Ordinal)), "the idle disconnect");
        Assert.Single(audit, e => e.Type == "disconnect" && e.User == "idler" && (e["reason"] ?? "").StartsWith("idle for 3 s", StringComparison.Ordinal));
    }

    [Fact]
    public async Task A_session_past_its_maximum_time_is_closed_however_busy()
    {
        var bed = await StartAsync("--Bastion:Ssh:MaxConnectionSeconds=6");
        await bed.AddAutomationUserAsync("longrun");
        var client = bed.NewClient("longrun");

        var result = await client.Ssh.SshAsync(BastionTestbed.TargetHost, "for i in $(seq 40); do echo tick; sleep 0.5; done; echo finished");

        Assert.False(result.Succeeded);
        Assert.DoesNotContain("finished", result.StandardOutput);
        Assert.Contains("tick", result.StandardOutput);
        Assert.Contains("maximum time of 6 s", result.StandardError);
        var audit = await bed.WaitForAuditAsync(l => l.Any(e => e.Type == "disconnect" && e.User == "longrun"), "the longrun disconnect");
        Assert.Contains("maximum time of 6 s", Assert.Single(audit, e => e.Type == "disconnect" && e.User == "longrun")["reason"]);
    }

    public Task InitializeAsync() => Task.CompletedTask;

    /// <summary>xUnit 2 disposes test classes through IAsyncLifetime (not IAsyncDisposable): the gateway and sshd stop here.</summary>
    public async Task DisposeAsync()
    {
        if (_bed is not null)
        {
            await _bed.DisposeAsync();
        }
    }

    private async Task<BastionTestbed> StartAsync(params string[] serveArgs) => _bed = await BastionTestbed.StartAsync(serveArgs);
}
