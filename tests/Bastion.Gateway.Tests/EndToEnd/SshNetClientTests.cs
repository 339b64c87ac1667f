using System.Net;
using System.Net.Sockets;
using System.Text;
using Bastion.Gateway.Tests.Infrastructure;
using Renci.SshNet;
using Renci.SshNet.Common;

namespace Bastion.Gateway.Tests.EndToEnd;

/// <summary>
/// Acceptance item 4: a second, independent SSH client implementation (SSH.NET) against the gateway — key-only
/// login for an automation account, key + keyboard-interactive TOTP for a person, a direct-tcpip channel through
/// the gateway to the real sshd (its banner, then a full SSH.NET session to the target over that channel), and
/// an exec on the gateway itself (the target listing, exit status 0). The gateway's host key is checked against
/// the fingerprint printed by <c>bastion hostkey show</c>.
/// </summary>
public sealed class SshNetClientTests : IClassFixture<AllKexTestbedFixture>
{
    private static readonly TimeSpan Timeout = TimeSpan.FromSeconds(30);
    private readonly BastionTestbed _bed;

    public SshNetClientTests(AllKexTestbedFixture fixture) => _bed = fixture.Bed;

    [Fact]
    public async Task Automation_user_logs_in_with_a_key_alone_and_runs_a_command_on_the_gateway()
    {
        const string user = "sshnet-bot";
        await _bed.AddAutomationUserAsync(user);
        var info = new ConnectionInfo(_bed.Gateway.Address.ToString(), _bed.Gateway.Port, user,
            new PrivateKeyAuthenticationMethod(user, new PrivateKeyFile(_bed.KeyOf(user).PrivateKeyPath)))
        {
            Timeout = Timeout,
        };
        using var client = new SshClient(info);
        var hostKeyChecked = PinGatewayHostKey(client);

        await ConnectAsync(client);

        Assert.True(hostKeyChecked());
        using var command = client.CreateCommand("list");
        command.CommandTimeout = Timeout;
        command.Execute();
        Assert.Equal(0, command.ExitStatus);
        Assert.Contains($"Hello {user}.", command.Result, StringComparison.Ordinal);
        Assert.Contains(BastionTestbed.TargetName, command.Result, StringComparison.Ordinal);
        client.Disconnect();

        var audit = await _bed.WaitForAuditAsync(l => l.Any(e => e.User == user && e.Type == "disconnect"), $"disconnect of {user}");
        var success = Assert.Single(audit, e => e.User == user && e.Type == "auth.success");
        Assert.Equal("publickey", success["methods"]);
        Assert.Equal("true", success["automation"]);
        Assert.StartsWith("SSH-2.0-Renci.SshNet", success["client_version"], StringComparison.Ordinal);
    }

    [Fact]
    public async Task Key_plus_totp_login_then_direct_tcpip_through_the_gateway_reaches_the_target()
    {
        const string user = "sshnet-dave";
        var secret = await _bed.AddTotpUserAsync(user);
        var key = _bed.KeyOf(user);
        var prompts = new List<string>();
        var keyboard = new KeyboardInteractiveAuthenticationMethod(user);
        keyboard.AuthenticationPrompt += (_, e) =>
        {
            foreach (var prompt in e.Prompts)
            {
                lock (prompts)
                {
                    prompts.Add(prompt.Request);
                }

                prompt.Response = TotpCode.Compute(secret, DateTimeOffset.UtcNow);
            }
        };
        var info = new ConnectionInfo(_bed.Gateway.Address.ToString(), _bed.Gateway.Port, user,
            new PrivateKeyAuthenticationMethod(user, new PrivateKeyFile(key.PrivateKeyPath)), keyboard)
        {
            Timeout = Timeout,
        };
        using var gateway = new SshClient(info);
        var hostKeyChecked = PinGatewayHostKey(gateway);

        await ConnectAsync(gateway);

        Assert.True(hostKeyChecked());
        Assert.Equal(["Verification code: "], prompts);

        // direct-tcpip "web-1.dev:22" through the gateway (SSH.NET opens one per accepted local connection).
        var listen = LoopbackAddresses.Shared.Next();
        var port = LoopbackAddresses.FreePort(listen);
        using var forward = new ForwardedPortLocal(listen.ToString(), (uint)port, BastionTestbed.TargetHost, 22);
        Exception? forwardError = null;
        forward.Exception += (_, e) => forwardError = e.Exception;
        gateway.AddForwardedPort(forward);
        forward.Start();

        using (var tcp = new TcpClient())
        {
            using var cts = new CancellationTokenSource(Timeout);
            await tcp.ConnectAsync(listen, port, cts.Token);
            var banner = await ReadLineAsync(tcp.GetStream(), cts.Token);
            Assert.True(banner.StartsWith("SSH-2.0-OpenSSH", StringComparison.Ordinal), $"banner \"{banner}\", forward error: {forwardError}" + _bed.Logs());
        }

        // A whole second SSH.NET session, end to end with the target sshd, inside a channel of the first.
        var inner = new ConnectionInfo(listen.ToString(), port, "root", new PrivateKeyAuthenticationMethod("root", new PrivateKeyFile(key.PrivateKeyPath)))
        {
            Timeout = Timeout,
        };
        using (var target = new SshClient(inner))
        {
            var targetKeyChecked = false;
            target.HostKeyReceived += (_, e) =>
            {
                e.CanTrust = "SHA256:" + e.FingerPrintSHA256 == _bed.Target.HostKeyFingerprint;
                targetKeyChecked = e.CanTrust;
            };
            await ConnectAsync(target);
            Assert.True(targetKeyChecked);
            using var echo = target.CreateCommand("echo inner-$((6*7)); echo \"$SSH_CONNECTION\"");
            echo.CommandTimeout = Timeout;
            echo.Execute();
            Assert.Equal(0, echo.ExitStatus);
            var lines = echo.Result.Split('\n');
            Assert.Equal("inner-42", lines[0]);
            Assert.EndsWith($" {_bed.Target.Address} {_bed.Target.Port}", lines[1], StringComparison.Ordinal);
            target.Disconnect();
        }

        // And the gateway's own session channel still answers on the same connection.
        using var list = gateway.CreateCommand("list");
        list.CommandTimeout = Timeout;
        list.Execute();
        Assert.Equal(0, list.ExitStatus);
        Assert.Contains(BastionTestbed.TargetName, list.Result, StringComparison.Ordinal);

        forward.Stop();
        gateway.Disconnect();
        Assert.Null(forwardError);

        var audit = await _bed.WaitForAuditAsync(l => l.Any(e => e.User == user && e.Type == "disconnect"), $"disconnect of {user}");
        var success = Assert.Single(audit, e => e.User == user && e.Type == "auth.success");
        Assert.Equal("publickey,keyboard-interactive", success["methods"]);
        Assert.Equal("totp", success["mfa"]);
        Assert.Contains(audit, e => e.User == user && e.Type == "channel.open" && e["target"] == BastionTestbed.TargetName);
    }

    /// <summary>
    /// SSH.NET is the independent client implementation of the hybrid post-quantum key exchanges (the installed
    /// OpenSSH 9.2 has no mlkem768x25519-sha256): with its key exchange list cut down to one method, the login
    /// and an exec succeed and the gateway's kex.completed names that method. Null forces nothing and shows which
    /// method SSH.NET's own default order reaches.
    /// </summary>
    [Theory]
    [InlineData("mlkem768x25519-sha256")]
    [InlineData("sntrup761x25519-sha512@openssh.com")]
    [InlineData("sntrup761x25519-sha512")]
    [InlineData(null)]
    public async Task Key_exchange_is_negotiated_when_forced(string? forced)
    {
        var user = $"sshnet-kex-{Guid.NewGuid().ToString("N")[..8]}";
        await _bed.AddAutomationUserAsync(user);
        var info = new ConnectionInfo(_bed.Gateway.Address.ToString(), _bed.Gateway.Port, user,
            new PrivateKeyAuthenticationMethod(user, new PrivateKeyFile(_bed.KeyOf(user).PrivateKeyPath)))
        {
            Timeout = Timeout,
        };
        Assert.Contains("mlkem768x25519-sha256", info.KeyExchangeAlgorithms.Keys);
        if (forced is not null)
        {
            Assert.Contains(forced, info.KeyExchangeAlgorithms.Keys);
            foreach (var name in info.KeyExchangeAlgorithms.Keys.Where(name => name != forced).ToList())
            {
                info.KeyExchangeAlgorithms.Remove(name);
            }
        }
        var expected = forced ?? "mlkem768x25519-sha256";
        using var client = new SshClient(info);
        var hostKeyChecked = PinGatewayHostKey(client);

        await ConnectAsync(client);

        Assert.True(hostKeyChecked());
        // SSH.NET reports the implementation's own name, the same for both sntrup761 aliases; the wire name the
        // gateway negotiated is checked in the audit trail below.
        Assert.Equal(expected.Replace("@openssh.com", "", StringComparison.Ordinal), client.ConnectionInfo.CurrentKeyExchangeAlgorithm);
        using var command = client.CreateCommand("list");
        command.CommandTimeout = Timeout;
        command.Execute();
        Assert.Equal(0, command.ExitStatus);
        Assert.Contains($"Hello {user}.", command.Result, StringComparison.Ordinal);
        client.Disconnect();

        var audit = await _bed.WaitForAuditAsync(l => l.Any(e => e.User == user && e.Type == "disconnect"), $"disconnect of {user}");
        // kex.completed precedes authentication, so it carries no user: match it by the connection's address and port.
        var source = Assert.Single(audit, e => e.User == user && e.Type == "auth.success").Source;
        var kex = Assert.Single(audit, e => e.Source == source && e.Type == "kex.completed");
        Assert.Equal(expected, kex["kex"]);
        Assert.StartsWith("SSH-2.0-Renci.SshNet", kex["client_version"], StringComparison.Ordinal);
    }

    /// <summary>Trusts the gateway's host key only if its fingerprint is the one <c>bastion hostkey show</c> printed.</summary>
    private Func<bool> PinGatewayHostKey(SshClient client)
    {
        var matched = false;
        client.HostKeyReceived += (_, e) =>
        {
            e.CanTrust = "SHA256:" + e.FingerPrintSHA256 == _bed.GatewayHostKeyFingerprint && e.HostKeyName == "ssh-ed25519";
            matched = e.CanTrust;
        };
        return () => matched;
    }

    private async Task ConnectAsync(SshClient client)
    {
        using var cts = new CancellationTokenSource(Timeout);
        try
        {
            await client.ConnectAsync(cts.Token);
        }
        catch (Exception ex) when (ex is SshException or SocketException or OperationCanceledException)
        {
            Assert.Fail($"SSH.NET could not connect to {client.ConnectionInfo.Host}:{client.ConnectionInfo.Port}: {ex}{_bed.Logs()}");
        }
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
}
