namespace Bastion.Hosting.Configuration;

/// <summary>
/// The "Bastion" configuration section. Sources, later ones winning: embedded defaults, appsettings.json,
/// DATA/bastion.json, environment (Bastion__Ssh__Port=2222), command line (--Bastion:Ssh:Port=2222).
/// </summary>
public sealed class BastionOptions
{
    public const string Section = "Bastion";

    /// <summary>Database, host key, secret key and audit log live here unless set individually.</summary>
    public string DataDirectory { get; set; } = "./data";

    /// <summary>
    /// Names this gateway in live-session rows when several nodes share one store. Empty: the host name. Each
    /// node needs its own; at start a node removes the rows its previous run left (after a crash).
    /// </summary>
    public string? NodeId { get; set; }

    /// <summary>How often this node tells the store it is alive (gateway_nodes), in seconds.</summary>
    public int NodeHeartbeatSeconds { get; set; } = 10;

    /// <summary>
    /// A node silent this long is taken for dead: another node records its open sessions as lost and marks its
    /// unsealed recordings lost, instead of leaving them "live" until a node of that name starts again (with
    /// autoscaling, it never does). Keep it well above the heartbeat and any clock skew between nodes.
    /// </summary>
    public int NodeDeadAfterSeconds { get; set; } = 90;

    public SshOptions Ssh { get; set; } = new();

    public MfaOptions Mfa { get; set; } = new();

    public InventoryOptions Inventory { get; set; } = new();

    public AuditOptions Audit { get; set; } = new();

    public AdminOptions Admin { get; set; } = new();

    /// <summary>Per-user caps on connections, channels and channel opens, per node (Bastion:Limits).</summary>
    public UserLimitOptions Limits { get; set; } = new();

    public StoreOptions Store { get; set; } = new();

    /// <summary>Recorded sessions: the gateway logs in to the target itself and records the terminal (Bastion:Recording).</summary>
    public RecordingOptions Recording { get; set; } = new();

    /// <summary>Anomaly detection and webhook delivery (Bastion:Alerts).</summary>
    public AlertOptions Alerts { get; set; } = new();

    /// <summary>Prometheus /metrics and /healthz over HTTP (Bastion:Metrics); off unless Enabled.</summary>
    public Observability.MetricsOptions Metrics { get; set; } = new();

    /// <summary>A copy whose sections can be swapped without touching this one (configuration reload).</summary>
    public BastionOptions ShallowCopy() => (BastionOptions)MemberwiseClone();
}

public sealed class SshOptions
{
    public string ListenAddress { get; set; } = "127.0.0.1";

    public int Port { get; set; } = 2222;

    /// <summary>Host key files (OpenSSH format). Empty: DATA/ssh_host_ed25519_key, generated on first start.</summary>
    public List<string> HostKeyFiles { get; set; } = [];

    /// <summary>
    /// Host name users put in ProxyJump (a load balancer's, say); shown in the ssh_config snippets. Unset: the
    /// gateway nodes' own listen addresses.
    /// </summary>
    public string? PublicHostName { get; set; }

    /// <summary>The port users connect to when it is not the nodes' own (a load balancer listening on 22). Unset: the nodes' port.</summary>
    public int? PublicPort { get; set; }

    public int LoginGraceTimeSeconds { get; set; } = 120;

    public int MaxAuthAttempts { get; set; } = 6;

    public int AuthFailureDelayMilliseconds { get; set; } = 1000;

    public long RekeyAfterBytes { get; set; } = 1L << 30;

    public int RekeyAfterSeconds { get; set; } = 3600;

    public int MaxUnauthenticatedConnections { get; set; } = 100;

    /// <summary>
    /// Of those, at most this many from one source address (IPv6: one /64) while that address is penalised for failed
    /// logins (<see cref="SourcePenaltyFailures"/>), so a guessing address cannot hold every login slot; an address
    /// without recent failures (an office behind one NAT address) is held only to the total. 0: no per-source limit —
    /// set it behind a load balancer that hides client addresses (an AWS NLB with instance targets keeps them).
    /// </summary>
    public int MaxUnauthenticatedPerSource { get; set; } = 10;

    /// <summary>
    /// Failed logins from one address (rejected keys or codes, grace time run out) within
    /// <see cref="SourcePenaltySeconds"/> that put it under <see cref="MaxUnauthenticatedPerSource"/>, as OpenSSH's
    /// PerSourcePenalties; 0 holds every address to that limit at all times.
    /// </summary>
    public int SourcePenaltyFailures { get; set; } = 10;

    /// <summary>How far back failed logins count; the penalty ends when the oldest counted one is this old.</summary>
    public int SourcePenaltySeconds { get; set; } = 300;

    public int MaxChannelsPerConnection { get; set; } = 64;

    /// <summary>
    /// Seconds without a packet from a logged-in client before the gateway asks it for a reply. On by default, unlike
    /// sshd: a laptop that sleeps or leaves the Wi-Fi would otherwise stay a live session (and an open door in the
    /// admin's view, with a wrong end time in the audit) until TCP gives up hours later. 0 turns it off.
    /// </summary>
    public int ClientAliveIntervalSeconds { get; set; } = 30;

    /// <summary>Unanswered asks before the connection is closed: a dead client goes after (this + 1) intervals. 0 asks without closing.</summary>
    public int ClientAliveCountMax { get; set; } = 3;

    /// <summary>Close connections with no data on any channel for this many seconds (e.g. 900 where policy wants idle sessions ended). 0: never.</summary>
    public int IdleTimeoutSeconds { get; set; }

    /// <summary>Close connections this many seconds after login, however busy. 0: never.</summary>
    public int MaxConnectionSeconds { get; set; }

    /// <summary>Seconds sessions may take to finish after SIGTERM before they are closed.</summary>
    public int ShutdownDrainSeconds { get; set; } = 10;

    /// <summary>
    /// Key exchange methods offered. Null: <see cref="DefaultKexAlgorithms"/>. The client's order decides which one
    /// is used; every name must be one the gateway implements.
    /// </summary>
    public List<string>? KexAlgorithms { get; set; }

    /// <summary>
    /// ML-KEM hybrid first (post-quantum, about 0.5 ms per handshake on either side), then X25519 and DH. The
    /// sntrup761 hybrids are implemented but not offered by default: OpenSSH 9.0–9.8 clients pick them whenever
    /// offered, and their sntrup761 key generation adds about 60–110 ms to every connection on the client (plus about
    /// 12 ms of server CPU per handshake here); add "sntrup761x25519-sha512@openssh.com" and "sntrup761x25519-sha512"
    /// to KexAlgorithms to give those clients post-quantum protection at that cost. OpenSSH 9.9+ uses ML-KEM.
    /// </summary>
    public static IReadOnlyList<string> DefaultKexAlgorithms { get; } =
    [
        "mlkem768x25519-sha256",
        "curve25519-sha256",
        "curve25519-sha256@libssh.org",
        "diffie-hellman-group16-sha512",
        "diffie-hellman-group14-sha256",
    ];

    /// <summary>The configured list, or the default.</summary>
    public IReadOnlyList<string> EffectiveKexAlgorithms => KexAlgorithms is { Count: > 0 } configured ? configured : DefaultKexAlgorithms;

    public SshOptions ShallowCopy() => (SshOptions)MemberwiseClone();
}

public sealed class MfaOptions
{
    public string TotpIssuer { get; set; } = "Bastion";

    /// <summary>
    /// Failed attempts per user (wrong codes, bad signatures, denied approvals) within <see cref="UserFailureWindowSeconds"/>
    /// before a lockout. Counted in the store: every node sharing it counts together.
    /// </summary>
    public int MaxFailuresPerUser { get; set; } = 5;

    /// <summary>How long a user's failures are counted, from the first (a day: guessing just under the threshold does not pay).</summary>
    public int UserFailureWindowSeconds { get; set; } = 86_400;

    /// <summary>Failed requests per source address (IPv6: per /64) within <see cref="FailureWindowSeconds"/> before a lockout; every request that does not succeed counts.</summary>
    public int MaxFailuresPerAddress { get; set; } = 20;

    /// <summary>How long an address's failures are counted, from the first.</summary>
    public int FailureWindowSeconds { get; set; } = 600;

    /// <summary>An address lockout, and a user's first; each further lockout of a user doubles, up to <see cref="MaxLockoutSeconds"/>.</summary>
    public int LockoutSeconds { get; set; } = 900;

    /// <summary>The longest a repeated user lockout grows to.</summary>
    public int MaxLockoutSeconds { get; set; } = 86_400;

    /// <summary>A user's lockouts start again from <see cref="LockoutSeconds"/> once a failure is this long ago (default a week).</summary>
    public int LockoutMemorySeconds { get; set; } = 604_800;

    /// <summary>What a security-key counter that did not increase does: Reject (default) or Warn (audit only).</summary>
    public CounterRegressionMode SecurityKeyCounterRegression { get; set; } = CounterRegressionMode.Reject;

    /// <summary>How long a browser approval request (policy key+webauthn) stays open.</summary>
    public int WebApprovalSeconds { get; set; } = 120;
}

public enum CounterRegressionMode
{
    Reject,
    Warn,
}

public sealed class InventoryOptions
{
    /// <summary>Domain suffix users may append to target names (web-1.dev → web-1).</summary>
    public string DomainSuffix { get; set; } = "dev";

    public int ConnectTimeoutSeconds { get; set; } = 10;

    /// <summary>Whether users may connect to a private IP directly (it must still belong to a known instance).</summary>
    public bool AllowAddresses { get; set; } = true;

    /// <summary>
    /// Address ranges never dialled for a cloud instance, added to the built-in ones (this host's own addresses,
    /// loopback, link-local 169.254.0.0/16 with the instance metadata service, 0.0.0.0/8). Add the production VPC.
    /// No account's ranges may overlap them.
    /// </summary>
    public List<string> ProtectedCidrs { get; set; } = [];

    /// <summary>
    /// Lets instances live on loopback aliases (127.0.0.2 and up; never 127.0.0.1): for tests and labs only, where
    /// "instances" are local sshd processes. Never in production: loopback is this host.
    /// </summary>
    public bool AllowLoopbackTargets { get; set; }

    /// <summary>EC2 Name tags across accounts (Bastion:Inventory:Ec2); off unless Enabled.</summary>
    public Inventory.Ec2.Ec2InventoryOptions Ec2 { get; set; } = new();

    /// <summary>DNS answers from the same snapshot (Bastion:Inventory:Dns); off unless Enabled.</summary>
    public Inventory.Dns.InventoryDnsOptions Dns { get; set; } = new();

    public InventoryOptions ShallowCopy() => (InventoryOptions)MemberwiseClone();
}

public sealed class AuditOptions
{
    /// <summary>JSON lines copy of the audit trail; empty: DATA/audit.jsonl.</summary>
    public string? JsonLinesPath { get; set; }

    /// <summary>Forwarding to journald (stdout), Graylog (GELF) and syslog (Bastion:Audit:Export); all off by default.</summary>
    public Bastion.Core.Audit.Export.AuditExportOptions Export { get; set; } = new();
}
