using System.Collections.Concurrent;
using System.Globalization;
using System.Net.Sockets;
using System.Text;
using Bastion.Gateway.Tests.Infrastructure;

namespace Bastion.Gateway.Tests.EndToEnd;

/// <summary>
/// SIGHUP (systemctl reload) against a real gateway that reads its settings from a file (BASTION_CONFIG): a lower
/// lockout threshold is in force for the next login while a transfer started before the reload completes intact;
/// a broken file is refused (config.reload_failed) and the old settings stay; a port change needs a restart and the
/// gateway stays on the old port; a log level change takes effect. Reloads are bracketed by RELOADING=1 / READY=1 on NOTIFY_SOCKET.
/// </summary>
public sealed class ConfigurationReloadTests : IDisposable
{
    private readonly TempDirectory _dir = new("bastion-reload");

    [Fact]
    public async Task A_lower_lockout_threshold_applies_to_the_next_login_while_a_transfer_keeps_running()
    {
        var config = _dir.File("bastion.json");
        await WriteSettingsAsync(config, """{ "Bastion": { "Mfa": { "MaxFailuresPerUser": 5 } } }""");
        using var notify = new NotifyListener(_dir.File("notify.sock"));
        await using var bed = await BastionTestbed.StartAsync(
            new Dictionary<string, string?> { ["BASTION_CONFIG"] = config, ["NOTIFY_SOCKET"] = notify.Path });

        // Before the reload one wrong code is not a lockout (three prompts, three failures, threshold five).
        var before = await WrongCodeLoginAsync(bed, "guess-before");
        Assert.Contains("Bastion: wrong verification code.", before.StandardError, StringComparison.Ordinal);
        Assert.DoesNotContain("too many failed attempts", before.StandardError, StringComparison.Ordinal);

        var payload = await PayloadAsync(16);
        await bed.AddAutomationUserAsync("mover");
        var mover = bed.NewClient("mover");
        var transfer = mover.Ssh.SshAsync(BastionTestbed.TargetHost, "sleep 3; wc -c",
            new SshCallOptions { StandardInputFile = payload, Timeout = TimeSpan.FromSeconds(120) });
        await bed.WaitForAuditAsync(l => l.Any(e => e.Type == "channel.open" && e.User == "mover"), "the transfer's channel.open");

        await WriteSettingsAsync(config, """{ "Bastion": { "Mfa": { "MaxFailuresPerUser": 1 } } }""");
        NativeProcess.Signal(bed.Gateway.ProcessId, NativeProcess.SIGHUP);
        var audit = await bed.WaitForAuditAsync(l => l.Any(e => e.Type == "config.reloaded"), "config.reloaded");
        var reloaded = Assert.Single(audit, e => e.Type == "config.reloaded");
        Assert.Equal("Bastion:Mfa:MaxFailuresPerUser", reloaded["changed"]);
        Assert.Equal("notice", reloaded.Severity, ignoreCase: true);

        var after = await WrongCodeLoginAsync(bed, "guess-after");
        Assert.Contains("Bastion: too many failed attempts", after.StandardError, StringComparison.Ordinal);
        await bed.WaitForAuditAsync(l => l.Any(e => e.Type == "auth.lockout" && e.User == "guess-after"), "guess-after's lockout after one failure");

        var moved = await transfer;
        Assert.True(moved.Succeeded, moved.Describe() + bed.Logs());
        Assert.Equal((16 << 20).ToString(CultureInfo.InvariantCulture), moved.StandardOutput.Trim());
        Assert.DoesNotContain((await bed.WaitForAuditAsync(_ => true, "the trail")), e => e.Type == "disconnect" && e.User == "mover" && (e["reason"] ?? "").Contains("shutting down", StringComparison.Ordinal));

        var messages = notify.Messages;
        var reloading = messages.FindIndex(m => m.StartsWith("RELOADING=1\nMONOTONIC_USEC=", StringComparison.Ordinal));
        Assert.True(reloading >= 0, "no RELOADING=1 with MONOTONIC_USEC: " + string.Join(" | ", messages));
        Assert.Contains(messages.Skip(reloading + 1), m => m.StartsWith("READY=1", StringComparison.Ordinal));
    }

    [Fact]
    public async Task A_log_level_change_takes_effect_on_reload()
    {
        // A connection that closes without a byte is logged at Debug only (load balancer checks would flood the
        // journal otherwise): whether its line appears shows the level in force for Bastion.Ssh.
        const string probeLine = "closing connection: connection closed before the SSH identification line";
        var config = _dir.File("bastion.json");
        await WriteSettingsAsync(config, """{ "Logging": { "LogLevel": { "Bastion.Ssh": "Information" } } }""");
        await using var bed = await BastionTestbed.StartAsync(new Dictionary<string, string?> { ["BASTION_CONFIG"] = config });

        await ProbeAsync(bed);
        await Task.Delay(500);
        Assert.DoesNotContain(probeLine, bed.Gateway.Output, StringComparison.Ordinal);

        await WriteSettingsAsync(config, """{ "Logging": { "LogLevel": { "Bastion.Ssh": "Debug" } } }""");
        NativeProcess.Signal(bed.Gateway.ProcessId, NativeProcess.SIGHUP);
        var audit = await bed.WaitForAuditAsync(l => l.Any(e => e.Type == "config.reloaded"), "config.reloaded for the log level");
        Assert.Contains("Logging:LogLevel:Bastion.Ssh", Assert.Single(audit, e => e.Type == "config.reloaded")["changed"], StringComparison.Ordinal);

        var deadline = DateTime.UtcNow.AddSeconds(15);
        while (!bed.Gateway.Output.Contains(probeLine, StringComparison.Ordinal) && DateTime.UtcNow < deadline)
        {
            await ProbeAsync(bed);
            await Task.Delay(300);
        }
        Assert.Contains(probeLine, bed.Gateway.Output, StringComparison.Ordinal);
    }

    private static async Task ProbeAsync(BastionTestbed bed)
    {
        await using var probe = await RawSshConnection.ConnectAsync(bed.Gateway.Address, bed.Gateway.Port);
        await probe.ReadServerIdentificationAsync();
    }

    [Fact]
    public async Task A_broken_file_is_refused_and_the_old_settings_stay_in_force()
    {
        var config = _dir.File("bastion.json");
        await WriteSettingsAsync(config, """{ "Bastion": { "Mfa": { "MaxFailuresPerUser": 5 } } }""");
        await using var bed = await BastionTestbed.StartAsync(new Dictionary<string, string?> { ["BASTION_CONFIG"] = config });

        await WriteSettingsAsync(config, """{ "Bastion": { "Mfa": { "MaxFailuresPerUser": 1 """);
        NativeProcess.Signal(bed.Gateway.ProcessId, NativeProcess.SIGHUP);
        var audit = await bed.WaitForAuditAsync(l => l.Any(e => e.Type == "config.reload_failed"), "config.reload_failed for broken JSON");
        Assert.Contains("bastion.json", Assert.Single(audit, e => e.Type == "config.reload_failed")["errors"], StringComparison.Ordinal);

        await WriteSettingsAsync(config, """{ "Bastion": { "Mfa": { "MaxFailuresPerUser": 0 } } }""");
        NativeProcess.Signal(bed.Gateway.ProcessId, NativeProcess.SIGHUP);
        audit = await bed.WaitForAuditAsync(l => l.Count(e => e.Type == "config.reload_failed") == 2, "config.reload_failed for a value out of range");
        Assert.Contains(audit.Where(e => e.Type == "config.reload_failed"), e => (e["errors"] ?? "").Contains("Bastion:Mfa:MaxFailuresPerUser 0 is outside 1..1000", StringComparison.Ordinal));
        Assert.DoesNotContain(audit, e => e.Type == "config.reloaded");
        Assert.Contains("configuration reload refused", bed.Gateway.Output, StringComparison.Ordinal);

        // Still serving, with the old threshold of five: one wrong code (three prompts) is no lockout.
        var result = await WrongCodeLoginAsync(bed, "still-five");
        Assert.Contains("Bastion: wrong verification code.", result.StandardError, StringComparison.Ordinal);
        Assert.DoesNotContain("too many failed attempts", result.StandardError, StringComparison.Ordinal);
        await bed.AddAutomationUserAsync("after-broken");
        var ok = await bed.NewClient("after-broken").Ssh.SshAsync(BastionTestbed.TargetHost, "echo still-serving");
        Assert.True(ok.Succeeded, ok.Describe() + bed.Logs());
        Assert.Equal("still-serving\n", ok.StandardOutput);
    }

    [Fact]
    public async Task A_port_change_needs_a_restart_and_the_gateway_stays_on_the_old_port()
    {
        var (address, oldPort) = LoopbackAddresses.Shared.NextEndpoint(22);
        var newPort = LoopbackAddresses.FreePort(address);
        var config = _dir.File("bastion.json");
        await WriteSettingsAsync(config, Listen(address.ToString(), oldPort));
        var data = _dir.SubDirectory("data");
        await using var gateway = BackgroundProcess.Start(GatewayBinary.Spec(data, ["serve"], new Dictionary<string, string?> { ["BASTION_CONFIG"] = config }));
        await LoopbackAddresses.WaitUntilAcceptingAsync(address, oldPort, TimeSpan.FromSeconds(60), gateway, "bastion gateway");

        await WriteSettingsAsync(config, Listen(address.ToString(), newPort));
        NativeProcess.Signal(gateway.Id, NativeProcess.SIGHUP);
        var audit = await AuditTail.WaitForAsync(data, l => l.Any(e => e.Type == "config.reloaded"), "config.reloaded");

        var reloaded = Assert.Single(audit, e => e.Type == "config.reloaded");
        Assert.Equal("Bastion:Ssh:Port", reloaded["restart_required"]);
        Assert.True(await gateway.WaitForOutputAsync(o => o.Contains("need a restart", StringComparison.Ordinal) && o.Contains("Bastion:Ssh:Port", StringComparison.Ordinal), TimeSpan.FromSeconds(10)),
            "no 'need a restart … Bastion:Ssh:Port' in the log:\n" + gateway.Output);
        Assert.True(await LoopbackAddresses.AcceptsConnectionsAsync(address, oldPort), "the old port stopped accepting:\n" + gateway.Output);
        Assert.False(await LoopbackAddresses.AcceptsConnectionsAsync(address, newPort), "the new port accepts without a restart:\n" + gateway.Output);
        Assert.False(gateway.HasExited, gateway.Output);
    }

    public void Dispose() => _dir.Dispose();

    private static string Listen(string address, int port) =>
        $$"""{ "Bastion": { "Ssh": { "ListenAddress": "{{address}}", "Port": {{port}} } } }""";

    /// <summary>Replaces the file in one step (rename), as editors and configuration management do.</summary>
    private async Task WriteSettingsAsync(string path, string json)
    {
        var temporary = path + ".new";
        await File.WriteAllTextAsync(temporary, json);
        File.Move(temporary, path, overwrite: true);
    }

    private async Task<string> PayloadAsync(int mebibytes)
    {
        var path = _dir.File($"payload-{mebibytes}.bin");
        await using var file = File.Create(path);
        var chunk = new byte[1 << 20];
        for (var i = 0; i < mebibytes; i++)
        {
            Random.Shared.NextBytes(chunk);
            await file.WriteAsync(chunk);
        }
        return path;
    }

    /// <summary>A key + TOTP login that answers every code prompt with a wrong code (ssh asks up to three times).</summary>
    private static async Task<ProcessResult> WrongCodeLoginAsync(BastionTestbed bed, string user)
    {
        var secret = await bed.AddTotpUserAsync(user);
        var client = bed.NewClient(user);
        var right = TotpCode.Compute(secret, DateTimeOffset.UtcNow);
        client.Ssh.AskPass.SetAnswer(right == "000000" ? "111111" : "000000");
        var result = await client.Ssh.SshAsync(BastionTestbed.TargetHost, "echo should-not-run");
        Assert.False(result.Succeeded, result.Describe());
        return result;
    }

    /// <summary>Collects sd_notify datagrams sent to a socket of its own.</summary>
    private sealed class NotifyListener : IDisposable
    {
        private readonly Socket _socket = new(AddressFamily.Unix, SocketType.Dgram, ProtocolType.Unspecified);
        private readonly ConcurrentQueue<string> _messages = new();
        private readonly CancellationTokenSource _stop = new();
        private readonly Task _loop;

        public NotifyListener(string path)
        {
            Path = path;
            _socket.Bind(new UnixDomainSocketEndPoint(path));
            _loop = Task.Run(async () =>
            {
                var buffer = new byte[4096];
                while (!_stop.IsCancellationRequested)
                {
                    try
                    {
                        var read = await _socket.ReceiveAsync(buffer, SocketFlags.None, _stop.Token);
                        _messages.Enqueue(Encoding.ASCII.GetString(buffer, 0, read));
                    }
                    catch (OperationCanceledException)
                    {
                        break;
                    }
                }
            });
        }

        public string Path { get; }

        public List<string> Messages => _messages.ToList();

        public void Dispose()
        {
            _stop.Cancel();
            _loop.Wait(TimeSpan.FromSeconds(5));
            _socket.Dispose();
            _stop.Dispose();
        }
    }
}
