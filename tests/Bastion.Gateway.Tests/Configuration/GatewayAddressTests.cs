using Bastion.Core.Store;
using Bastion.Hosting.ClientSetup;
using Bastion.Hosting.Configuration;

namespace Bastion.Gateway.Tests.Configuration;

/// <summary>
/// Where users are told to connect: PublicHostName first, else a live node's real listen address, else this
/// process's settings; wildcard listen addresses replaced; IPv6 bracketed where a port follows.
/// </summary>
public sealed class GatewayAddressTests
{
    private static readonly DateTimeOffset Now = new(2030, 1, 1, 12, 0, 0, TimeSpan.Zero);

    private static GatewayNode Node(string id, string listen, int secondsAgo = 1) => new(id, Now.AddHours(-1), Now.AddSeconds(-secondsAgo), "1.0", listen);

    [Fact]
    public void A_live_nodes_listen_address_wins_over_this_processs_own_settings()
    {
        var address = GatewayAddress.For(new SshOptions(), [Node("b", "127.0.55.2:2201"), Node("a", "127.0.55.1:2200")], "admin.example");

        Assert.Equal(new GatewayAddress("127.0.55.1", 2200), address);
        Assert.Equal("alice@127.0.55.1:2200", address.JumpSpec("alice"));
        Assert.Equal("[127.0.55.1]:2200", address.KnownHostsName);
    }

    [Fact]
    public void PublicHostName_and_PublicPort_name_what_users_type()
    {
        var ssh = new SshOptions { PublicHostName = "bastion.example.com" };
        Assert.Equal(new GatewayAddress("bastion.example.com", 2200), GatewayAddress.For(ssh, [Node("a", "10.0.0.5:2200")], null));

        ssh.PublicPort = 22;
        var behindBalancer = GatewayAddress.For(ssh, [Node("a", "10.0.0.5:2200")], null);
        Assert.Equal("alice@bastion.example.com", behindBalancer.JumpSpec("alice"));
        Assert.Equal("bastion.example.com", behindBalancer.KnownHostsName);
    }

    [Fact]
    public void Without_nodes_the_settings_are_used_and_a_wildcard_becomes_the_fallback_host()
    {
        Assert.Equal(new GatewayAddress("127.0.0.1", 2222), GatewayAddress.For(new SshOptions(), [], "admin.example"));
        Assert.Equal(new GatewayAddress("admin.example", 2222), GatewayAddress.For(new SshOptions { ListenAddress = "0.0.0.0" }, [], "admin.example"));
        Assert.Equal(new GatewayAddress("gw.example", 2200), GatewayAddress.For(new SshOptions(), [Node("a", "0.0.0.0:2200")], "gw.example"));
        Assert.Equal(new GatewayAddress("gw.example", 2200), GatewayAddress.For(new SshOptions(), [Node("a", ":::2200")], "gw.example"));
    }

    [Fact]
    public void IPv6_listen_addresses_are_bracketed_where_a_port_follows()
    {
        var address = GatewayAddress.For(new SshOptions(), [Node("a", "::1:2222")], null);

        Assert.Equal(new GatewayAddress("::1", 2222), address);
        Assert.Equal("alice@[::1]:2222", address.JumpSpec("alice"));
        Assert.Equal("[::1]:2222", address.KnownHostsName);
    }

    [Fact]
    public void Only_nodes_that_beat_within_the_dead_after_time_count_as_live()
    {
        var options = new BastionOptions { NodeDeadAfterSeconds = 90 };
        var live = GatewayAddress.Live([Node("old", "127.0.0.9:22", secondsAgo: 600), Node("new", "127.0.0.8:22")], options, Now);
        Assert.Equal(["new"], live.Select(n => n.NodeId));
    }

    [Fact]
    public void The_client_config_block_jumps_names_under_the_suffix_and_shares_connections()
    {
        var block = new GatewayAddress("127.0.55.1", 2200).ClientConfig("alice", "dev");

        Assert.Equal("""
            Host *.dev
                ProxyJump alice@127.0.55.1:2200
            Host bastion-gateway
                HostName 127.0.55.1
                Port 2200
                User alice
            Host *
                ControlMaster auto
                ControlPath ~/.ssh/cm-%C
                ControlPersist 10m

            """.Replace("\r\n", "\n", StringComparison.Ordinal), block);
    }
}
