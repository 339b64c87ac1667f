using System.Globalization;
using System.Net;
using Bastion.Core.Store;
using Bastion.Hosting.Configuration;

namespace Bastion.Hosting.ClientSetup;

/// <summary>
/// The host and port users put in ProxyJump and known_hosts. Every place that tells a user how to reach the gateway
/// (the gateway's own listing, <c>bastion hostca/hostkey show</c>, the admin app's ssh_config page) asks this one type,
/// so they cannot disagree. The admin app is a separate process whose own Bastion:Ssh settings may not be the
/// gateway's, so it passes in the nodes' heartbeat rows, which carry each node's real listen address.
/// </summary>
public sealed record GatewayAddress(string Host, int Port)
{
    /// <summary>
    /// Bastion:Ssh:PublicHostName when set (port: PublicPort, else a live node's); else the first live node's listen
    /// address; else this process's own Bastion:Ssh settings. A wildcard listen address (0.0.0.0, ::) names no host a
    /// user can type, so <paramref name="fallbackHost"/> (e.g. the host the admin page was opened with) is used instead.
    /// </summary>
    public static GatewayAddress For(SshOptions ssh, IEnumerable<GatewayNode> liveNodes, string? fallbackHost)
    {
        ArgumentNullException.ThrowIfNull(ssh);
        var node = liveNodes.OrderBy(n => n.NodeId, StringComparer.Ordinal).Select(n => ParseListen(n.Listen)).FirstOrDefault(l => l is not null);
        var port = ssh.PublicPort ?? node?.Port ?? ssh.Port;
        if (!string.IsNullOrWhiteSpace(ssh.PublicHostName))
        {
            return new GatewayAddress(ssh.PublicHostName, port);
        }
        var host = node?.Host ?? ssh.ListenAddress;
        if (IsWildcard(host) && !string.IsNullOrWhiteSpace(fallbackHost))
        {
            host = fallbackHost;
        }
        return new GatewayAddress(host, port);
    }

    /// <summary>Nodes whose heartbeat is recent enough that they are serving (NodeDeadAfterSeconds).</summary>
    public static IEnumerable<GatewayNode> Live(IEnumerable<GatewayNode> nodes, BastionOptions options, DateTimeOffset now) =>
        nodes.Where(n => now - n.LastSeen < TimeSpan.FromSeconds(options.NodeDeadAfterSeconds));

    /// <summary>The host as ssh_config and ProxyJump want it: an IPv6 address in brackets when a port follows.</summary>
    private string HostWithPort => Port == 22 ? Host : Host.Contains(':', StringComparison.Ordinal) ? $"[{Host}]:{Port}" : $"{Host}:{Port}";

    /// <summary>ProxyJump's <c>user@host[:port]</c>.</summary>
    public string JumpSpec(string user) => $"{user}@{HostWithPort}";

    /// <summary>The host field of a known_hosts line: <c>host</c> on port 22, else <c>[host]:port</c>.</summary>
    public string KnownHostsName => Port == 22 ? Host : $"[{Host}]:{Port.ToString(CultureInfo.InvariantCulture)}";

    /// <summary>
    /// The ~/.ssh/config block for <paramref name="user"/>: names under <paramref name="domainSuffix"/> jump through
    /// the gateway, "bastion-gateway" reaches the gateway itself (listing, recorded sessions), and connection sharing
    /// asks for the second factor once per ten minutes rather than per ssh.
    /// </summary>
    public string ClientConfig(string user, string domainSuffix, string indent = "") => string.Join('\n',
    [
        $"{indent}Host *.{domainSuffix}",
        $"{indent}    ProxyJump {JumpSpec(user)}",
        $"{indent}Host bastion-gateway",
        $"{indent}    HostName {Host}",
        $"{indent}    Port {Port.ToString(CultureInfo.InvariantCulture)}",
        $"{indent}    User {user}",
        $"{indent}Host *",
        $"{indent}    ControlMaster auto",
        $"{indent}    ControlPath ~/.ssh/cm-%C",
        $"{indent}    ControlPersist 10m",
    ]) + "\n";

    private static bool IsWildcard(string host) =>
        IPAddress.TryParse(host, out var address) && (address.Equals(IPAddress.Any) || address.Equals(IPAddress.IPv6Any));

    /// <summary>"address:port" as NodeHeartbeat writes it (IPv6 unbracketed, so the port follows the last colon).</summary>
    private static (string Host, int Port)? ParseListen(string listen)
    {
        var colon = listen.LastIndexOf(':');
        return colon > 0 && int.TryParse(listen.AsSpan(colon + 1), NumberStyles.None, CultureInfo.InvariantCulture, out var port) && port is > 0 and < 65536
            ? (listen[..colon].Trim('[', ']'), port)
            : null;
    }
}
