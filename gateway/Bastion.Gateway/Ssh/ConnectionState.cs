using System.Net;
using Bastion.Core.Audit;
using Bastion.Core.Store;

namespace Bastion.Gateway.Ssh;

/// <summary>What the gateway has learned about one connection so far; shared by its auth and channel halves.</summary>
public sealed class ConnectionState
{
    public ConnectionState(string sessionId, IPEndPoint? remote)
    {
        SessionId = sessionId;
        Remote = remote;
    }

    public string SessionId { get; }

    public IPEndPoint? Remote { get; }

    public IPAddress? RemoteAddress => Remote?.Address.IsIPv4MappedToIPv6 == true ? Remote.Address.MapToIPv4() : Remote?.Address;

    public string? ClientVersion { get; set; }

    public User? User { get; set; }

    public SshKey? VerifiedKey { get; set; }

    public string? MfaKind { get; set; }

    /// <summary>Flags and counter of the security-key signature of this login, if one was used.</summary>
    public Bastion.Core.Mfa.SecurityKeyAssertion? SecurityKey { get; set; }

    public bool Authenticated { get; set; }

    /// <summary>An audit event pre-filled with this connection's session, user and source.</summary>
    public AuditEvent Event(string type, AuditSeverity severity, IReadOnlyDictionary<string, string> data, string? userName = null) =>
        new(type, severity)
        {
            SessionId = SessionId,
            User = userName ?? User?.Name,
            SourceAddress = Remote is null ? null : $"{RemoteAddress}:{Remote.Port}",
            Data = data,
        };
}
