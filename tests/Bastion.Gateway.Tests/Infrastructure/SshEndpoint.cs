using System.Net;
using System.Net.Sockets;

namespace Bastion.Gateway.Tests.Infrastructure;

/// <summary>user@host:port of an SSH server, rendered the ways OpenSSH's tools want it.</summary>
public sealed record SshEndpoint(string User, string Host, int Port)
{
    /// <summary>Builds from an IP address.</summary>
    public SshEndpoint(string user, IPAddress address, int port)
        : this(user, address.ToString(), port)
    {
    }

    private bool IsIPv6 => IPAddress.TryParse(Host, out var a) && a.AddressFamily == AddressFamily.InterNetworkV6;

    private string BracketedHost => IsIPv6 ? $"[{Host}]" : Host;

    /// <summary>Destination for ssh: "ssh://user@host:port".</summary>
    public string SshUri => $"ssh://{User}@{BracketedHost}:{Port}";

    /// <summary>For <c>-J</c> / ProxyJump: "user@host:port".</summary>
    public string JumpSpec => $"{User}@{BracketedHost}:{Port}";

    /// <summary>scp operand for an absolute remote <paramref name="absolutePath"/>: "scp://user@host:port//abs/path".</summary>
    public string ScpUri(string absolutePath) => $"scp://{User}@{BracketedHost}:{Port}/{absolutePath}";

    /// <summary>Host as written in known_hosts: "host" for port 22, else "[host]:port".</summary>
    public string KnownHostsName => KnownHosts.HostName(Host, Port);

    /// <inheritdoc />
    public override string ToString() => JumpSpec;
}

/// <summary>known_hosts line helpers.</summary>
public static class KnownHosts
{
    /// <summary>"host" for port 22, else "[host]:port" (OpenSSH's known_hosts form; IPv6 is never bracketed otherwise).</summary>
    public static string HostName(string host, int port) => port == 22 ? host : $"[{host}]:{port}";

    /// <summary>A known_hosts line for <paramref name="hostKey"/> ("ssh-ed25519 AAAA…", a trailing comment is dropped).</summary>
    public static string Line(string host, int port, string hostKey) =>
        HostName(host, port) + " " + string.Join(' ', hostKey.Trim().Split(' ', StringSplitOptions.RemoveEmptyEntries).Take(2));
}
