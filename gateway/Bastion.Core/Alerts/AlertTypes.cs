namespace Bastion.Core.Alerts;

/// <summary>
/// Audit event types of anomaly findings. Every finding is an audit event "alert.KIND", so it is sealed into the
/// hash chain like everything else, shows in <c>audit tail</c> and the admin pages, and is what the webhook sends.
/// </summary>
public static class AlertTypes
{
    public const string Prefix = "alert.";
    public const string NewSourceNetwork = "alert.new_source_network";
    public const string UnusualHour = "alert.unusual_hour";
    public const string MfaFailureBurst = "alert.mfa_failure_burst";
    public const string SecurityKeyCounterRegression = "alert.sk_counter_regression";

    /// <summary>
    /// A user was locked out (every lockout: repeated ones grow, and someone may be guessing with a stolen key). Raised
    /// once per lockout across all nodes, since exactly one failure starts it.
    /// </summary>
    public const string UserLockedOut = "alert.user_locked_out";
    public const string FirstTargetAccess = "alert.first_target_access";
    public const string FirstAccountAccess = "alert.first_account_access";

    /// <summary>
    /// Not about a user: a gateway node stopped sending heartbeats and a peer took over its sessions. An alert so it
    /// reaches the on-call through the webhook like the findings above.
    /// </summary>
    public const string NodeLost = "alert.node_lost";

    /// <summary>
    /// A node retired as lost (it was cut off from the store, not dead) reached the store again with its sessions still
    /// running: the sessions recorded as lost go on. Tells the on-call who was paged for the loss.
    /// </summary>
    public const string NodeRejoined = "alert.node_rejoined";

    /// <summary>
    /// Not about a user: two owners (instances in developer accounts, or an instance and a static target) claim one
    /// address, so the gateway dials it for nobody. Raised once per address while the conflict lasts.
    /// </summary>
    public const string AddressConflict = "alert.address_conflict";

    /// <summary>
    /// Not about a user: an instance with a public IP whose security group lets SSH in from anywhere can be reached
    /// without the bastion. Raised once per instance and rule while the rule lasts.
    /// </summary>
    public const string SshBypass = "alert.ssh_bypass";

    /// <summary>
    /// A user reached a per-user cap on a gateway node (connections, channels, channel opens per minute): a runaway
    /// loop or a script gone wide. Raised with its limit.user_cap row, at most once per user and cap per minute.
    /// </summary>
    public const string UserCapReached = "alert.user_cap";

    public static bool IsAlert(string type) => type.StartsWith(Prefix, StringComparison.Ordinal);

    /// <summary>"new_source_network" of "alert.new_source_network" (the metrics tag).</summary>
    public static string KindOf(string type) => IsAlert(type) ? type[Prefix.Length..] : type;
}
