using Bastion.Gateway.Tests.Infrastructure;

namespace Bastion.Gateway.Tests.EndToEnd;

/// <summary>
/// Host key rotation with plain OpenSSH: the gateway holds its current key and the next one; a client that knows
/// only the current key learns the next at login (UpdateHostKeys, hostkeys-00 + hostkeys-prove-00), so the day the
/// next key becomes the only one, that client connects without a host key warning. A client with UpdateHostKeys=no
/// learns nothing.
/// </summary>
public sealed class HostKeyRotationTests
{
    [Fact]
    public async Task A_client_learns_the_next_host_key_at_login_and_connects_once_it_is_the_only_one()
    {
        // Relative paths resolve in the data directory (the gateway's working directory in tests).
        await using var bed = await BastionTestbed.StartAsync(
            "--Bastion:Ssh:HostKeyFiles:0=ssh_host_ed25519_key", "--Bastion:Ssh:HostKeyFiles:1=ssh_host_ed25519_key.next");
        await bed.AddAutomationUserAsync("rotator");
        var next = await PublicKeyOfAsync(Path.Combine(bed.DataDirectory, "ssh_host_ed25519_key.next"));
        var learner = bed.NewClient("rotator");
        var stubborn = bed.NewClient("rotator");
        Assert.DoesNotContain(next, File.ReadAllText(learner.Ssh.KnownHostsPath), StringComparison.Ordinal);

        var learned = await learner.Ssh.SshAsync(bed.GatewayEndpoint("rotator"), "list", new SshCallOptions { Options = new Dictionary<string, string> { ["UpdateHostKeys"] = "yes" } });
        var ignored = await stubborn.Ssh.SshAsync(bed.GatewayEndpoint("rotator"), "list");

        Assert.True(learned.Succeeded, learned.Describe() + bed.Logs());
        Assert.True(ignored.Succeeded, ignored.Describe() + bed.Logs());
        var known = File.ReadAllText(learner.Ssh.KnownHostsPath);
        Assert.Contains(next, known, StringComparison.Ordinal);
        Assert.Contains(KnownHosts.Line(bed.Gateway.Address.ToString(), bed.Gateway.Port, next), known, StringComparison.Ordinal);
        Assert.DoesNotContain(next, File.ReadAllText(stubborn.Ssh.KnownHostsPath), StringComparison.Ordinal);

        // The rotation: the next key becomes the only one (same address and port, new process).
        var address = bed.Gateway.Address;
        var port = bed.Gateway.Port;
        Assert.Equal(0, await bed.Gateway.StopAsync(TimeSpan.FromSeconds(30)));
        await using var rotated = await GatewayProcess.StartAsync(bed.DataDirectory, address, port,
            ["--Bastion:Ssh:AuthFailureDelayMilliseconds=100", "--Bastion:Ssh:HostKeyFiles:0=ssh_host_ed25519_key.next"]);

        var afterRotation = await learner.Ssh.SshAsync(rotated.Endpoint("rotator"), "list");
        var warned = await stubborn.Ssh.SshAsync(rotated.Endpoint("rotator"), "list");

        Assert.True(afterRotation.Succeeded, afterRotation.Describe() + rotated.Output);
        Assert.False(warned.Succeeded);
        Assert.Contains("REMOTE HOST IDENTIFICATION HAS CHANGED", warned.StandardError, StringComparison.Ordinal);
    }

    /// <summary>"ssh-ed25519 AAAA…" of a private key file, from ssh-keygen itself.</summary>
    private static async Task<string> PublicKeyOfAsync(string privateKeyPath)
    {
        var output = (await ProcessRunner.RunAsync(new ProcessSpec(Tools.Require(Tools.SshKeygen), ["-y", "-f", privateKeyPath])))
            .EnsureSuccess("ssh-keygen -y").StandardOutput.Trim();
        return string.Join(' ', output.Split(' ').Take(2));
    }
}
