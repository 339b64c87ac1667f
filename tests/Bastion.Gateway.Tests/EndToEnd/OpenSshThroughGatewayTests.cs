using System.Diagnostics;
using System.Globalization;
using System.Net;
using System.Net.Sockets;
using System.Text;
using Bastion.Gateway.Tests.Infrastructure;

namespace Bastion.Gateway.Tests.EndToEnd;

/// <summary>
/// Acceptance item 1: the real OpenSSH client, through the gateway as ProxyJump (key + TOTP answered by an askpass
/// helper), reaches a real sshd on a loopback alias: exec, an interactive shell under a pty, scp and sftp of
/// 100 MiB, and a local port forward inside the end-to-end session.
/// </summary>
public sealed class OpenSshThroughGatewayTests : IClassFixture<TestbedFixture>
{
    private const long HundredMiB = 100L * 1024 * 1024;
    private static readonly TimeSpan TransferTimeout = TimeSpan.FromMinutes(3);
    private readonly BastionTestbed _bed;

    public OpenSshThroughGatewayTests(TestbedFixture fixture) => _bed = fixture.Bed;

    [Fact]
    public async Task Exec_through_the_gateway_with_key_and_totp()
    {
        var secret = await _bed.AddTotpUserAsync("alice");
        var client = _bed.NewClient("alice");
        client.AnswerTotpWith(secret);

        var result = await client.Ssh.SshAsync(BastionTestbed.TargetHost, "echo exec-ok $((6*7)); echo \"$SSH_CONNECTION\"");

        Assert.True(result.Succeeded, result.Describe() + _bed.Logs());
        var lines = result.StandardOutput.Split('\n');
        Assert.Equal("exec-ok 42", lines[0]);
        // The command ran on the sshd target (its own address and port end SSH_CONNECTION), not on the gateway.
        Assert.EndsWith($" {_bed.Target.Address} {_bed.Target.Port}", lines[1], StringComparison.Ordinal);

        // The gateway asked exactly one question, over keyboard-interactive, with the documented prompt text.
        var prompt = Assert.Single(client.Ssh.AskPass.Prompts);
        Assert.EndsWith("Verification code: ", prompt, StringComparison.Ordinal);

        // The audit trail shows key + TOTP for alice from this client, and the channel to web-1.
        var audit = await _bed.WaitForAuditAsync(
            l => l.Any(e => client.Owns(e) && e.Type == "channel.close" && e.User == "alice"),
            "alice's channel.close");
        var success = Assert.Single(audit, e => client.Owns(e) && e.Type == "auth.success");
        Assert.Equal("alice", success.User);
        Assert.Equal("publickey,keyboard-interactive", success["methods"]);
        Assert.Equal("totp", success["mfa"]);
        Assert.Equal("false", success["automation"]);
        var open = Assert.Single(audit, e => client.Owns(e) && e.Type == "channel.open");
        Assert.Equal(BastionTestbed.TargetName, open["target"]);
        Assert.Equal($"{BastionTestbed.TargetHost}:22", open["requested"]);
        Assert.Contains("Accepted publickey for root", _bed.Target.Log, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Interactive_shell_under_a_pty_with_key_and_totp()
    {
        var tmux = Tools.Require(Tools.Tmux);
        var secret = await _bed.AddTotpUserAsync("carol");
        var client = _bed.NewClient("carol");
        client.AnswerTotpWith(secret);

        // ssh -tt runs in a tmux pane (a real terminal); the askpass helper still answers the TOTP prompt (force).
        var dir = client.Ssh.Directory;
        var socket = Path.Combine(dir, "tmux.sock");
        var exitFile = Path.Combine(dir, "ssh-exit");
        var script = Path.Combine(dir, "interactive.sh");
        var env = string.Concat(client.Ssh.AskPass.Environment.Select(kv => $"export {kv.Key}={ProcessSpec.Quote(kv.Value!)}\n"));
        await File.WriteAllTextAsync(script,
            "#!/bin/sh\n" + env + "unset SSH_AUTH_SOCK\n" +
            $"{Tools.Ssh} -F {ProcessSpec.Quote(client.Ssh.ConfigPath)} -tt {BastionTestbed.TargetHost}\n" +
            $"echo \"$?\" > {ProcessSpec.Quote(exitFile)}\n" +
            "sleep 120\n"); // keep the pane for capture-pane after ssh ends; kill-server ends it
        var sessionsBefore = CountOccurrences(_bed.Target.Log, "Starting session: shell on pts");

        (await ProcessRunner.RunAsync(tmux, "-S", socket, "new-session", "-d", "-s", "e2e", "-x", "160", "-y", "40", $"{Tools.Sh} {ProcessSpec.Quote(script)}"))
            .EnsureSuccess("tmux new-session");
        try
        {
            // Wait (bounded) until the target started a shell on a pty for this login, then type into it.
            await WaitUntilAsync(() => CountOccurrences(_bed.Target.Log, "Starting session: shell on pts") > sessionsBefore,
                TimeSpan.FromSeconds(30), () => "sshd never started a shell on a pty. Pane:\n" + CapturePane(tmux, socket) + _bed.Logs());

            await SendKeysAsync(tmux, socket, "echo $((6*7))");
            await WaitUntilAsync(() => PaneLines(tmux, socket).Any(l => l.Trim() == "42"),
                TimeSpan.FromSeconds(30), () => "no line \"42\" in the pane:\n" + CapturePane(tmux, socket) + _bed.Logs());

            await SendKeysAsync(tmux, socket, "exit");
            await WaitUntilAsync(() => File.Exists(exitFile) && File.ReadAllText(exitFile).Trim().Length > 0,
                TimeSpan.FromSeconds(30), () => "ssh did not end after exit. Pane:\n" + CapturePane(tmux, socket));
            Assert.Equal("0", (await File.ReadAllTextAsync(exitFile)).Trim());
        }
        finally
        {
            await ProcessRunner.RunAsync(tmux, "-S", socket, "kill-server");
        }

        var prompt = Assert.Single(client.Ssh.AskPass.Prompts);
        Assert.EndsWith("Verification code: ", prompt, StringComparison.Ordinal);
        await _bed.WaitForAuditAsync(
            l => l.Any(e => client.Owns(e) && e.Type == "auth.success" && e["mfa"] == "totp")
                 && l.Any(e => client.Owns(e) && e.Type == "channel.close"),
            "carol's TOTP login and channel close");
    }

    [Fact]
    public async Task Scp_upload_and_download_of_100MiB_keep_the_sha256()
    {
        await _bed.AddAutomationUserAsync("scp-bot");
        var client = _bed.NewClient("scp-bot");
        var local = Path.Combine(client.Ssh.Directory, "up.bin");
        var expected = await EndToEndFiles.WriteRandomFileAsync(local, HundredMiB);
        var remote = Path.Combine(_bed.Target.Directory, "scp-upload.bin");
        var call = new SshCallOptions { Timeout = TransferTimeout };

        var up = await client.Ssh.ScpAsync(local, $"{BastionTestbed.TargetHost}:{remote}", call);
        Assert.True(up.Succeeded, up.Describe() + _bed.Logs());
        Assert.Equal(expected, await EndToEndFiles.Sha256Async(remote));

        var back = Path.Combine(client.Ssh.Directory, "down.bin");
        var down = await client.Ssh.ScpAsync($"{BastionTestbed.TargetHost}:{remote}", back, call);
        Assert.True(down.Succeeded, down.Describe() + _bed.Logs());
        Assert.Equal(expected, await EndToEndFiles.Sha256Async(back));

        File.Delete(remote);
        await AssertChannelsCarriedAsync(client, 2 * HundredMiB);
    }

    [Fact]
    public async Task Sftp_put_and_get_of_100MiB_keep_the_sha256()
    {
        await _bed.AddAutomationUserAsync("sftp-bot");
        var client = _bed.NewClient("sftp-bot");
        var local = Path.Combine(client.Ssh.Directory, "put.bin");
        var expected = await EndToEndFiles.WriteRandomFileAsync(local, HundredMiB);
        var remote = Path.Combine(_bed.Target.Directory, "sftp-put.bin");
        var back = Path.Combine(client.Ssh.Directory, "got.bin");

        var result = await client.Ssh.SftpAsync(BastionTestbed.TargetHost, $"put {local} {remote}\nget {remote} {back}\n",
            new SshCallOptions { Timeout = TransferTimeout });

        Assert.True(result.Succeeded, result.Describe() + _bed.Logs());
        Assert.Equal(expected, await EndToEndFiles.Sha256Async(remote));
        Assert.Equal(expected, await EndToEndFiles.Sha256Async(back));
        File.Delete(remote);
        await AssertChannelsCarriedAsync(client, 2 * HundredMiB);
    }

    [Fact]
    public async Task Local_port_forward_inside_the_jumped_session_reaches_the_target_banner()
    {
        await _bed.AddAutomationUserAsync("fwd-bot");
        var client = _bed.NewClient("fwd-bot");
        var listen = LoopbackAddresses.Shared.Next();
        var port = LoopbackAddresses.FreePort(listen);
        var forward = $"{listen}:{port}:{_bed.Target.Address}:{_bed.Target.Port}";

        await using var ssh = BackgroundProcess.Start(new ProcessSpec(Tools.Require(Tools.Ssh),
            ["-F", client.Ssh.ConfigPath, "-N", "-o", "ExitOnForwardFailure=yes", "-L", forward, BastionTestbed.TargetHost])
        {
            Environment = new Dictionary<string, string?>(client.Ssh.AskPass.Environment) { ["SSH_AUTH_SOCK"] = null },
        });
        await LoopbackAddresses.WaitUntilAcceptingAsync(listen, port, TimeSpan.FromSeconds(30), ssh, "ssh -L listener");

        using var tcp = new TcpClient();
        using var cts = new CancellationTokenSource(TimeSpan.FromSeconds(20));
        await tcp.ConnectAsync(listen, port, cts.Token);
        var banner = await ReadLineAsync(tcp.GetStream(), cts.Token);

        Assert.StartsWith("SSH-2.0-OpenSSH", banner, StringComparison.Ordinal);
        Assert.False(ssh.HasExited, "ssh -L exited early:\n" + ssh.Output);
        // The forward is a second channel inside the end-to-end session (opened by the target sshd): the gateway saw
        // one channel only, the jump to web-1.
        var audit = await AuditTail.ReadAsync(_bed.DataDirectory);
        Assert.Single(audit, e => client.Owns(e) && e.Type == "channel.open");
    }

    private async Task AssertChannelsCarriedAsync(GatewayClient client, long atLeast)
    {
        // The gateway relayed the bytes: its channel.close events for this client add up to both transfers.
        var audit = await _bed.WaitForAuditAsync(l => l.Count(e => client.Owns(e) && e.Type == "disconnect") >= 1, "disconnect of " + client.User);
        var relayed = audit.Where(e => client.Owns(e) && e.Type == "channel.close")
            .Sum(e => long.Parse(e["bytes_from_client"] ?? "0", CultureInfo.InvariantCulture) + long.Parse(e["bytes_to_client"] ?? "0", CultureInfo.InvariantCulture));
        Assert.True(relayed >= atLeast, $"gateway relayed {relayed} bytes, expected at least {atLeast}");
    }

    private static async Task<string> ReadLineAsync(NetworkStream stream, CancellationToken ct)
    {
        var sb = new StringBuilder();
        var one = new byte[1];
        while (sb.Length < 256 && await stream.ReadAsync(one, ct) == 1 && one[0] != '\n')
        {
            sb.Append((char)one[0]);
        }

        return sb.ToString().TrimEnd('\r');
    }

    private static async Task SendKeysAsync(string tmux, string socket, string text)
    {
        (await ProcessRunner.RunAsync(tmux, "-S", socket, "send-keys", "-t", "e2e", "-l", text)).EnsureSuccess("tmux send-keys");
        (await ProcessRunner.RunAsync(tmux, "-S", socket, "send-keys", "-t", "e2e", "Enter")).EnsureSuccess("tmux send-keys Enter");
    }

    private static string CapturePane(string tmux, string socket)
    {
        var r = ProcessRunner.RunAsync(tmux, "-S", socket, "capture-pane", "-p", "-t", "e2e").GetAwaiter().GetResult();
        return r.Succeeded ? r.StandardOutput : r.Describe();
    }

    private static string[] PaneLines(string tmux, string socket) => CapturePane(tmux, socket).Split('\n');

    private static int CountOccurrences(string text, string what)
    {
        var n = 0;
        for (var i = text.IndexOf(what, StringComparison.Ordinal); i >= 0; i = text.IndexOf(what, i + what.Length, StringComparison.Ordinal))
        {
            n++;
        }

        return n;
    }

    private static async Task WaitUntilAsync(Func<bool> condition, TimeSpan timeout, Func<string> failure)
    {
        var sw = Stopwatch.StartNew();
        while (!condition())
        {
            if (sw.Elapsed > timeout)
            {
                Assert.Fail(failure());
            }

            await Task.Delay(100);
        }
    }
}
