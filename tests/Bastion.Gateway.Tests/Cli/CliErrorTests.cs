using Bastion.Gateway.Tests.Infrastructure;

namespace Bastion.Gateway.Tests.Cli;

/// <summary>The CLI's promises: bad input gets one clear line and a distinct exit code, and nothing is half-done.</summary>
public sealed class CliErrorTests : IDisposable
{
    private readonly TempDirectory _dir = new("bastion-cli");

    private string Data => _dir.SubDirectory("data");

    [Fact]
    public async Task Broken_configuration_stops_serve_with_the_key_to_fix()
    {
        var badPort = await GatewayCli.RunAsync(Data, "serve", "--port", "70000");
        Assert.Equal(2, badPort.ExitCode);
        Assert.Contains("Bastion:Ssh:Port 70000 is outside 1..65535", badPort.StandardError);

        var typo = await GatewayCli.RunAsync(Data, "serve", "--Bastion:Ssh:Prot=22");
        Assert.Equal(2, typo.ExitCode);
        Assert.Contains("Prot", typo.StandardError);

        var badAddress = await GatewayCli.RunAsync(Data, "serve", "--listen", "localhost-ish");
        Assert.Equal(2, badAddress.ExitCode);
        Assert.Contains("ListenAddress", badAddress.StandardError);
    }

    [Fact]
    public async Task Store_errors_map_to_exit_codes_and_messages()
    {
        await GatewayCli.RunCheckedAsync(Data, "user", "add", "alice");

        var duplicate = await GatewayCli.RunAsync(Data, "user", "add", "alice");
        Assert.Equal(4, duplicate.ExitCode);
        Assert.Contains("alice", duplicate.StandardError);

        var badName = await GatewayCli.RunAsync(Data, "user", "add", "Alice Smith");
        Assert.Equal(2, badName.ExitCode);

        var badKey = await GatewayCli.RunAsync(Data, "key", "add", "alice", "ssh-dss AAAAB3NzaC1kc3MAAACBAP== old");
        Assert.Equal(2, badKey.ExitCode);
        Assert.Contains("ssh-dss", badKey.StandardError);

        var noUser = await GatewayCli.RunAsync(Data, "key", "list", "bob");
        Assert.Equal(3, noUser.ExitCode);
        Assert.Contains("bob", noUser.StandardError);

        var noKey = await GatewayCli.RunAsync(Data, "key", "remove", "alice", "SHA256:nope");
        Assert.Equal(3, noKey.ExitCode);

        var badTarget = await GatewayCli.RunAsync(Data, "target", "add", "web-1", "10.0.0.1:99999");
        Assert.Equal(2, badTarget.ExitCode);
        Assert.Contains("PORT", badTarget.StandardError);

        var badPolicy = await GatewayCli.RunAsync(Data, "user", "set", "alice", "--mfa", "key");
        Assert.Equal(2, badPolicy.ExitCode);

        var users = await GatewayCli.RunCheckedAsync(Data, "user", "list");
        Assert.Contains("alice", users.StandardOutput);
        Assert.Contains("key+totp", users.StandardOutput);
    }

    [Fact]
    public async Task Every_admin_change_is_in_a_chain_that_verifies()
    {
        await GatewayCli.RunCheckedAsync(Data, "user", "add", "alice");
        await GatewayCli.RunCheckedAsync(Data, "target", "add", "web-1", "127.0.0.1:22", "--account", "dev-a", "--tag", "env=dev");
        await GatewayCli.RunCheckedAsync(Data, "access", "allow", "alice", "web-*");
        await GatewayCli.RunCheckedAsync(Data, "user", "set", "alice", "--mfa", "sk");
        await GatewayCli.RunCheckedAsync(Data, "user", "disable", "alice");

        var tail = await GatewayCli.RunCheckedAsync(Data, "audit", "tail", "-n", "10");
        foreach (var type in new[] { "admin.user.added", "admin.target.changed", "admin.rule.changed", "admin.user.changed" })
        {
            Assert.Contains(type, tail.StandardOutput);
        }
        var verify = await GatewayCli.RunCheckedAsync(Data, "audit", "verify");
        Assert.Contains("audit chain OK: 5 events", verify.StandardOutput);
    }

    public void Dispose() => _dir.Dispose();
}
