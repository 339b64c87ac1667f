using Bastion.Admin.Tests.Infrastructure;
using Bastion.Core.Store;
using Bastion.Ssh.Algorithms.HostKeys;

namespace Bastion.Admin.Tests;

/// <summary>
/// The ssh_config page tells users the address the gateway really listens on: the admin app runs with its own
/// defaults (127.0.0.1:2222) while the gateway node's heartbeat row says 127.0.55.1:2200, and the page — snippet and
/// known_hosts line — follows the node, with the same block (bastion-gateway, ControlMaster) the gateway's listing gives.
/// </summary>
public sealed class SshConfigPageTests
{
    [Fact]
    public async Task The_page_shows_the_gateway_nodes_listen_address_and_the_same_block_as_the_gateway()
    {
        await using var host = await AdminAppHost.StartAsync();
        using (HostKeyFile.LoadOrCreate(Path.Combine(host.DataDirectory, "ssh_host_ed25519_key")))
        {
        }
        var now = DateTimeOffset.UtcNow;
        await host.Store.RecordNodeHeartbeatAsync(new GatewayNode("gw-1", now, now, "test", "127.0.55.1:2200"));
        var invite = await host.AddPersonAsync("alice", AdminRoles.User);
        await using var alice = await BrowserSession.StartAsync("ctap2");
        await alice.RedeemInviteAsync(invite, host.BaseUrl);

        await alice.Page.GotoAsync($"{host.BaseUrl}/account/ssh-config");
        var snippet = await alice.Page.InnerTextAsync("#ssh-config");
        Assert.Contains("ProxyJump alice@127.0.55.1:2200", snippet);
        Assert.Contains("Host bastion-gateway", snippet);
        Assert.Contains("ControlMaster auto", snippet);
        Assert.DoesNotContain("2222", snippet);
        Assert.StartsWith("[127.0.55.1]:2200 ssh-ed25519 ", (await alice.Page.InnerTextAsync("#known-hosts")).Trim());

        await alice.Page.ClickAsync("#copy-ssh-config");
        Assert.Matches("Copied|Selected", await alice.Page.InnerTextAsync("#copy-ssh-config"));
        await alice.ScreenshotAsync("account-ssh-config-node-address");
    }
}
