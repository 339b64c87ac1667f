using Bastion.Ssh.Algorithms;
using Bastion.Ssh.Algorithms.HostKeys;

namespace Bastion.Ssh;

/// <summary>Settings of one SSH server. Defaults follow OpenSSH where it has one.</summary>
public sealed class SshServerOptions
{
    /// <summary>Host keys; at least one. Offered signature algorithms follow their order.</summary>
    public required IReadOnlyList<HostKey> HostKeys { get; init; }

    public AlgorithmTable Algorithms { get; init; } = AlgorithmTable.Default;

    /// <summary>
    /// After login, list every host key to the client (hostkeys-00@openssh.com) and prove them on request, so
    /// OpenSSH clients learn a new key before it replaces the old one (their UpdateHostKeys). As sshd does.
    /// </summary>
    public bool AnnounceHostKeys { get; init; } = true;

    /// <summary>Software version in our identification line ("SSH-2.0-" + this).</summary>
    public string SoftwareVersion { get; init; } = "Bastion_1.0";

    /// <summary>
    /// Time from accept until authentication must have succeeded (OpenSSH LoginGraceTime, 120 s as there: it includes
    /// the time a person takes to unlock a phone and read a code). A method that waits for a person elsewhere may
    /// extend it once.
    /// </summary>
    public TimeSpan LoginGraceTime { get; init; } = TimeSpan.FromSeconds(120);

    /// <summary>
    /// Authentication requests per connection that may end without success (OpenSSH MaxAuthTries); the next one ends the
    /// connection with "too many authentication failures". Every request counts — wrong credentials, queries for keys
    /// the application would not accept, methods not offered — except the first "none", which clients send to learn
    /// the methods.
    /// </summary>
    public int MaxAuthAttempts { get; init; } = 6;

    /// <summary>Delay before answering a failed attempt, slowing online guessing.</summary>
    public TimeSpan AuthFailureDelay { get; init; } = TimeSpan.FromSeconds(1);

    /// <summary>The server starts a new key exchange after this many bytes in either direction.</summary>
    public long RekeyAfterBytes { get; init; } = 1L << 30;

    public TimeSpan RekeyAfterTime { get; init; } = TimeSpan.FromHours(1);

    /// <summary>
    /// Key re-exchanges a client may start before it has authenticated; one more ends the connection. Each costs the
    /// server a key agreement (two 4096-bit exponentiations with diffie-hellman-group16), so an anonymous peer must not
    /// be able to ask for them in a loop.
    /// </summary>
    public int MaxClientRekeysBeforeAuth { get; init; } = 1;

    /// <summary>
    /// After authentication, a re-exchange the client asks for sooner than this after the previous one is answered only
    /// once the interval has passed — unless <see cref="ClientRekeyAllowanceBytes"/> moved since, as a client with a
    /// small RekeyLimit does. Zero answers at once.
    /// </summary>
    public TimeSpan ClientRekeyInterval { get; init; } = TimeSpan.FromSeconds(10);

    /// <summary>Bytes (both directions) after which a client-started re-exchange is answered at once; see <see cref="ClientRekeyInterval"/>.</summary>
    public long ClientRekeyAllowanceBytes { get; init; } = 512 * 1024;

    /// <summary>Connections that have not yet authenticated; further ones are refused (OpenSSH MaxStartups).</summary>
    public int MaxUnauthenticatedConnections { get; init; } = 100;

    /// <summary>
    /// Of those, how many may come from one source address (IPv6: one /64) while that source is penalised for failed
    /// logins (see <see cref="SourcePenaltyFailures"/>); a source without recent failures is held only to the total.
    /// Zero: no per-source limit (needed behind a load balancer that hides client addresses).
    /// </summary>
    public int MaxUnauthenticatedPerSource { get; init; } = 10;

    /// <summary>
    /// Failed logins (rejected credentials, grace time run out) within <see cref="SourcePenaltyWindow"/> after which a
    /// source is penalised, like OpenSSH's PerSourcePenalties; zero: never (every source is then held to
    /// <see cref="MaxUnauthenticatedPerSource"/> at all times, the old PerSourceMaxStartups behaviour).
    /// </summary>
    public int SourcePenaltyFailures { get; init; } = 10;

    /// <summary>How far back failures count; a penalised source is free again once its oldest counted failure is this old.</summary>
    public TimeSpan SourcePenaltyWindow { get; init; } = TimeSpan.FromMinutes(5);

    /// <summary>
    /// Asked for each accepted connection before anything is read: a sentence refuses it (the client gets our
    /// identification and SSH_MSG_DISCONNECT with the sentence; no key exchange, nothing reaches the handler, no login
    /// slot is taken), null admits it. Runs on the accept loop, so it must be cheap and must not block — a lookup of
    /// what the application already knows (say, source addresses locked out), never a database query.
    /// </summary>
    public Func<System.Net.IPEndPoint, string?>? RefuseConnection { get; init; }

    /// <summary>
    /// Keeps the process clear of its open-file limit: each accepted connection takes a descriptor from it, and while
    /// none is left the connection is told <see cref="AtDescriptorLimitMessage"/> and closed, leaving open connections
    /// untouched. Null: no accounting (accept until the kernel says EMFILE, then back off). Shared with whatever else in
    /// the process opens sockets per session (outbound connections), so all of them draw on one budget.
    /// </summary>
    public Resources.DescriptorBudget? DescriptorBudget { get; init; }

    /// <summary>The sentence a connection refused at the open-file limit is told.</summary>
    public string AtDescriptorLimitMessage { get; init; } =
        "the server is at its open-file limit and cannot take another connection now; try again in a minute";

    /// <summary>Receive window we grant per channel; bounds per-channel buffering.</summary>
    public uint ChannelWindowSize { get; init; } = 2 * 1024 * 1024;

    public uint ChannelMaxPacketSize { get; init; } = 32 * 1024;

    public int MaxChannelsPerConnection { get; init; } = 64;

    /// <summary>
    /// After this long without a packet from an authenticated client, ask it for a reply (OpenSSH
    /// ClientAliveInterval); zero sends nothing.
    /// </summary>
    public TimeSpan ClientAliveInterval { get; init; } = TimeSpan.Zero;

    /// <summary>Unanswered probes before the connection is closed (OpenSSH ClientAliveCountMax); zero probes without closing.</summary>
    public int ClientAliveCountMax { get; init; } = 3;

    /// <summary>Close a connection whose channels carried no data either way for this long; zero never does.</summary>
    public TimeSpan IdleTimeout { get; init; } = TimeSpan.Zero;

    /// <summary>Close a connection this long after authentication, busy or not; zero never does.</summary>
    public TimeSpan MaxConnectionTime { get; init; } = TimeSpan.Zero;

    public TimeProvider TimeProvider { get; init; } = TimeProvider.System;

    /// <summary>Where the meter "Bastion.Ssh" (kex durations, connections) comes from; null records nothing.</summary>
    public System.Diagnostics.Metrics.IMeterFactory? MeterFactory { get; init; }

    internal void Validate()
    {
        if (HostKeys.Count == 0)
        {
            throw new InvalidOperationException("an SSH server needs at least one host key");
        }
        if (MaxUnauthenticatedConnections < 1 || MaxUnauthenticatedPerSource < 0)
        {
            throw new InvalidOperationException("MaxUnauthenticatedConnections must be at least 1 and MaxUnauthenticatedPerSource not negative (zero: no per-source limit)");
        }
        if (SourcePenaltyFailures < 0 || SourcePenaltyWindow <= TimeSpan.Zero)
        {
            throw new InvalidOperationException("SourcePenaltyFailures cannot be negative (zero: no penalties) and SourcePenaltyWindow must be positive");
        }
        if (ClientAliveInterval < TimeSpan.Zero || IdleTimeout < TimeSpan.Zero || MaxConnectionTime < TimeSpan.Zero || ClientAliveCountMax < 0)
        {
            throw new InvalidOperationException("ClientAliveInterval, ClientAliveCountMax, IdleTimeout and MaxConnectionTime cannot be negative (zero turns each off)");
        }
        if (ChannelMaxPacketSize is < 1024 or > 256 * 1024)
        {
            throw new InvalidOperationException("ChannelMaxPacketSize must be between 1 KiB and 256 KiB");
        }
    }
}
