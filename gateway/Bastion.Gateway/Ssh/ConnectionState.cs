using System.Collections.Concurrent;
using System.Net;
using Bastion.Ssh;
using Bastion.Core.Audit;
using Bastion.Core.Store;

namespace Bastion.Gateway.Ssh;

/// <summary>What the gateway has learned about one connection so far; shared by its auth and channel halves.</summary>
public sealed class ConnectionState
{
    public ConnectionState(string sessionId, IPEndPoint? remote, SshConnectionInfo? connection = null)
    {
        SessionId = sessionId;
        Remote = remote;
        Connection = connection;
    }

    /// <summary>The library's view of the connection; <see cref="SshConnectionInfo.Close"/> ends it (a kill).</summary>
    public SshConnectionInfo? Connection { get; }

    /// <summary>Forwarded channels open right now, by channel id (for the live-session view and kills).</summary>
    public ConcurrentDictionary<string, LiveChannel> Channels { get; } = new(StringComparer.Ordinal);

    public string SessionId { get; }

    private readonly ConcurrentDictionary<Task, byte> _channelWork = new();

    /// <summary>
    /// Work a session channel runs on its own (a recorded session: sealing and its close event come after the channel
    /// is gone). The disconnect waits for it, so the trail keeps its order and a shutdown does not cut a seal short.
    /// Finished work leaves the set, so a long-lived multiplexed connection does not accumulate it.
    /// </summary>
    public void TrackChannelWork(Task work)
    {
        _channelWork[work] = 0;
        _ = work.ContinueWith(done => _channelWork.TryRemove(done, out _), CancellationToken.None, TaskContinuationOptions.ExecuteSynchronously, TaskScheduler.Default);
    }

    /// <summary>Channel work still running.</summary>
    public Task[] PendingChannelWork => [.. _channelWork.Keys];

    public IPEndPoint? Remote { get; }

    public IPAddress? RemoteAddress => Remote?.Address.IsIPv4MappedToIPv6 == true ? Remote.Address.MapToIPv4() : Remote?.Address;

    public string? ClientVersion { get; set; }

    public User? User { get; set; }

    public SshKey? VerifiedKey { get; set; }

    /// <summary>The verified key's authorized_keys options, read once at login and asked by each channel.</summary>
    public Bastion.Core.Keys.KeyRestrictions? KeyRestrictions { get; set; }

    public string? MfaKind { get; set; }

    /// <summary>The group whose MFA requirement is in force for this login, if stronger than the user's own.</summary>
    public string? MfaPolicyGroup { get; set; }

    /// <summary>Flags and counter of the security-key signature of this login, if one was used.</summary>
    public Bastion.Core.Mfa.SecurityKeyAssertion? SecurityKey { get; set; }

    /// <summary>The browser approval this login waits for (policy key+webauthn), until it is decided.</summary>
    public string? PendingApproval { get; set; }

    /// <summary>The one browser approval opened for this connection, if any (a repeated request reuses it).</summary>
    public LoginApproval? Approval { get; set; }

    /// <summary>Who approved this login in the browser.</summary>
    public string? ApprovedBy { get; set; }

    public bool Authenticated { get; set; }

    /// <summary>This connection's failed authentication requests (summed up in its disconnect event).</summary>
    public AuthFailureTally AuthFailures { get; } = new();

    /// <summary>The client sent "none" already: the first is how clients learn the methods, any later one counts as a failure.</summary>
    public bool NoneSeen { get; set; }

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

/// <summary>One forwarded channel as the live-session view shows it; the SSH channel supplies the byte counts.</summary>
public sealed class LiveChannel(string channelId, Bastion.Core.Inventory.ResolvedTarget target, DateTimeOffset startedAt)
{
    public string ChannelId { get; } = channelId;

    public Bastion.Core.Inventory.ResolvedTarget Target { get; } = target;

    public DateTimeOffset StartedAt { get; } = startedAt;

    public Bastion.Ssh.Connection.SshChannel? Channel { get; set; }

    /// <summary>Byte counts last written to the store, so unchanged channels cost no write.</summary>
    public (long FromClient, long ToClient) Published { get; set; } = (-1, -1);
}
