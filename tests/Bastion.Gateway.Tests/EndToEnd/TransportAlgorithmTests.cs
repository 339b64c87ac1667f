using System.Globalization;
using Bastion.Gateway.Tests.Infrastructure;

namespace Bastion.Gateway.Tests.EndToEnd;

/// <summary>
/// Acceptance item 2: OpenSSH negotiates every cipher, MAC and key exchange the gateway offers, each forced alone
/// (in the ssh_config Host block of the gateway, which is what the ProxyJump hop reads), and the audit trail's
/// kex.completed records the forced algorithm. The host key pinned from <c>bastion hostkey show</c> is accepted
/// under StrictHostKeyChecking=yes, and a different pinned key is refused.
/// </summary>
public sealed class TransportAlgorithmTests : IClassFixture<AllKexTestbedFixture>
{
    private readonly BastionTestbed _bed;

    public TransportAlgorithmTests(AllKexTestbedFixture fixture) => _bed = fixture.Bed;

    [Theory]
    [InlineData("chacha20-poly1305@openssh.com")]
    [InlineData("aes256-gcm@openssh.com")]
    [InlineData("aes128-gcm@openssh.com")]
    [InlineData("aes256-ctr")]
    [InlineData("aes128-ctr")]
    public async Task Cipher_is_negotiated_when_forced(string cipher)
    {
        var kex = await ConnectDirectlyAsync("cipher", [("Ciphers", cipher)]);

        Assert.Equal(cipher, kex["cipher"]);
        // AEAD ciphers carry their own integrity: the gateway records no separate MAC for them.
        if (cipher.Contains("-gcm@", StringComparison.Ordinal) || cipher.StartsWith("chacha20", StringComparison.Ordinal))
        {
            Assert.Equal("aead", kex["mac"]);
        }
        else
        {
            Assert.StartsWith("hmac-sha2-", kex["mac"], StringComparison.Ordinal);
        }
    }

    [Theory]
    [InlineData("hmac-sha2-256-etm@openssh.com")]
    [InlineData("hmac-sha2-512-etm@openssh.com")]
    [InlineData("hmac-sha2-256")]
    [InlineData("hmac-sha2-512")]
    public async Task Mac_is_negotiated_when_forced_with_a_ctr_cipher(string mac)
    {
        var kex = await ConnectDirectlyAsync("mac", [("Ciphers", "aes128-ctr"), ("MACs", mac)]);

        Assert.Equal("aes128-ctr", kex["cipher"]);
        Assert.Equal(mac, kex["mac"]);
    }

    [Theory]
    [InlineData("sntrup761x25519-sha512@openssh.com")]
    [InlineData("sntrup761x25519-sha512")]
    [InlineData("curve25519-sha256")]
    [InlineData("curve25519-sha256@libssh.org")]
    [InlineData("diffie-hellman-group16-sha512")]
    [InlineData("diffie-hellman-group14-sha256")]
    public async Task Key_exchange_is_negotiated_when_forced(string kexAlgorithm)
    {
        var kex = await ConnectDirectlyAsync("kex", [("KexAlgorithms", kexAlgorithm)]);

        Assert.Equal(kexAlgorithm, kex["kex"]);
        Assert.Equal("ssh-ed25519", kex["host_key"]);
    }

    [Fact]
    public async Task Default_openssh_client_negotiates_the_post_quantum_hybrid()
    {
        // The installed client's own default order decides (RFC 4253 §7.1: the client's first method the server
        // supports). Debian's 9.2p1 lists sntrup761x25519-sha512 (backported plain name) first and has no
        // mlkem768x25519-sha256; newer clients reach mlkem768x25519-sha256 (see SshNetClientTests).
        var defaults = await ProcessRunner.RunAsync(Tools.Require(Tools.Ssh), "-G", "-F", "/dev/null", "gateway.invalid");
        Assert.True(defaults.Succeeded, defaults.Describe());
        var clientOrder = defaults.StandardOutput.Split('\n').Single(l => l.StartsWith("kexalgorithms ", StringComparison.Ordinal))["kexalgorithms ".Length..].Split(',');
        string[] postQuantum = ["mlkem768x25519-sha256", "sntrup761x25519-sha512@openssh.com", "sntrup761x25519-sha512"];
        var expected = clientOrder.First(postQuantum.Contains);
        Assert.Equal(expected, clientOrder.First(name => name is "curve25519-sha256" || postQuantum.Contains(name)));

        var kex = await ConnectDirectlyAsync("kex-default", []);

        Assert.Equal(expected, kex["kex"]);
    }

    [Fact]
    public async Task Post_quantum_kex_forced_on_the_ProxyJump_hop_reaches_the_target()
    {
        const string user = "pq-jump";
        await _bed.AddAutomationUserAsync(user);
        var client = _bed.NewClient(user, [("KexAlgorithms", "sntrup761x25519-sha512@openssh.com")]);

        var result = await client.Ssh.SshAsync(BastionTestbed.TargetHost, "echo jumped");

        Assert.True(result.Succeeded, result.Describe() + _bed.Logs());
        Assert.Equal("jumped\n", result.StandardOutput);
        var audit = await _bed.WaitForAuditAsync(l => l.Any(e => client.Owns(e) && e.Type == "channel.open"), "the jump's channel.open");
        var kex = Assert.Single(audit, e => client.Owns(e) && e.Type == "kex.completed");
        Assert.Equal("sntrup761x25519-sha512@openssh.com", kex["kex"]);
    }

    [Fact]
    public async Task Forced_algorithms_in_the_gateway_host_block_apply_to_the_ProxyJump_hop()
    {
        const string user = "algo-jump";
        await _bed.AddAutomationUserAsync(user);
        var client = _bed.NewClient(user, [
            ("Ciphers", "aes256-ctr"),
            ("MACs", "hmac-sha2-512-etm@openssh.com"),
            ("KexAlgorithms", "diffie-hellman-group16-sha512"),
        ]);

        var result = await client.Ssh.SshAsync(BastionTestbed.TargetHost, "echo jumped");

        Assert.True(result.Succeeded, result.Describe() + _bed.Logs());
        Assert.Equal("jumped\n", result.StandardOutput);
        var audit = await _bed.WaitForAuditAsync(l => l.Any(e => client.Owns(e) && e.Type == "channel.open"), "the jump's channel.open");
        var kex = Assert.Single(audit, e => client.Owns(e) && e.Type == "kex.completed");
        Assert.Equal("diffie-hellman-group16-sha512", kex["kex"]);
        Assert.Equal("aes256-ctr", kex["cipher"]);
        Assert.Equal("hmac-sha2-512-etm@openssh.com", kex["mac"]);
    }

    [Fact]
    public async Task Host_key_pinned_from_hostkey_show_is_accepted_with_strict_checking()
    {
        const string user = "hostkey-ok";
        await _bed.AddAutomationUserAsync(user);
        // The client's known_hosts holds only the line printed by `bastion hostkey show` (StrictHostKeyChecking=yes).
        var client = _bed.NewClient(user, [("HostKeyAlgorithms", "ssh-ed25519")]);
        Assert.Equal("yes", client.Ssh.StrictHostKeyChecking);
        Assert.Contains(_bed.GatewayKnownHostsLine, await File.ReadAllTextAsync(client.Ssh.KnownHostsPath), StringComparison.Ordinal);

        var result = await client.Ssh.SshAsync(_bed.GatewayEndpoint(user));

        Assert.True(result.Succeeded, result.Describe() + _bed.Logs());
        Assert.Contains($"Hello {user}.", result.StandardOutput, StringComparison.Ordinal);
        // Three independent views of the key agree: the CLI, the gateway's start-up line and ssh-keyscan on the wire.
        Assert.Equal(_bed.GatewayHostKeyFingerprint, _bed.Gateway.PrintedHostKeyFingerprint);
        var scanned = Path.Combine(client.Ssh.Directory, "scanned.pub");
        await File.WriteAllTextAsync(scanned, await _bed.Gateway.ScanHostKeyAsync() + "\n");
        Assert.Equal(_bed.GatewayHostKeyFingerprint, await SshKeyPair.FingerprintAsync(scanned));
    }

    [Fact]
    public async Task A_different_pinned_host_key_is_refused_with_strict_checking()
    {
        const string user = "hostkey-bad";
        await _bed.AddAutomationUserAsync(user);
        var client = _bed.NewClient(user);
        var impostor = await SshKeyPair.GenerateAsync(client.Ssh.Directory, SshKeyType.Ed25519, "impostor_host_key");
        await File.WriteAllTextAsync(client.Ssh.KnownHostsPath,
            KnownHosts.Line(_bed.Gateway.Address.ToString(), _bed.Gateway.Port, impostor.PublicKeyBlob) + "\n");

        var result = await client.Ssh.SshAsync(_bed.GatewayEndpoint(user));

        Assert.Equal(255, result.ExitCode);
        Assert.Contains("Host key verification failed", result.StandardError, StringComparison.Ordinal);
        Assert.DoesNotContain($"Hello {user}.", result.StandardOutput, StringComparison.Ordinal);
    }

    /// <summary>
    /// Logs in to the gateway itself (no target: it prints the listing and exits 0) as a fresh automation user with
    /// <paramref name="forced"/> in the gateway's Host block; returns that connection's kex.completed event.
    /// </summary>
    private async Task<AuditLine> ConnectDirectlyAsync(string prefix, (string Key, string Value)[] forced)
    {
        var user = $"{prefix}-{Guid.NewGuid().ToString("N")[..8]}";
        await _bed.AddAutomationUserAsync(user);
        var client = _bed.NewClient(user, forced);

        var result = await client.Ssh.SshAsync(_bed.GatewayEndpoint(user));

        var forcedText = string.Join(", ", forced.Select(f => $"{f.Key}={f.Value}"));
        Assert.True(result.Succeeded, $"login with {forcedText} failed:\n{result.Describe()}{_bed.Logs()}");
        Assert.Contains($"Hello {user}.", result.StandardOutput, StringComparison.Ordinal);
        Assert.Contains("web-1", result.StandardOutput, StringComparison.Ordinal);
        var audit = await _bed.WaitForAuditAsync(l => l.Any(e => client.Owns(e) && e.Type == "disconnect"), $"disconnect of {user}");
        var kex = Assert.Single(audit, e => client.Owns(e) && e.Type == "kex.completed");
        Assert.Null(kex["rekey"]);
        Assert.StartsWith("SSH-2.0-OpenSSH", kex["client_version"], StringComparison.Ordinal);
        Assert.True(double.Parse(kex["duration_ms"]!, CultureInfo.InvariantCulture) >= 0);
        return kex;
    }
}
