namespace Bastion.Core.Audit;

/// <summary>
/// Well-known event types. Any dotted lowercase name is accepted; these constants keep the common ones
/// spelled the same everywhere so that queries and dashboards can rely on them.
/// </summary>
public static class AuditEventTypes
{
    public const string ConnectionAccepted = "connection.accepted";
    public const string ConnectionRejected = "connection.rejected";
    public const string KexCompleted = "kex.completed";
    public const string AuthSuccess = "auth.success";
    public const string AuthFailure = "auth.failure";
    public const string AuthLockout = "auth.lockout";

    /// <summary>A browser approval cancelled because its ssh client left before anyone decided.</summary>
    public const string AuthApprovalAbandoned = "auth.approval_abandoned";

    /// <summary>Someone signed in as another user tried to see, approve or deny a login approval that is not theirs.</summary>
    public const string AuthApprovalRefused = "auth.approval_refused";

    public const string ChannelOpen = "channel.open";
    public const string ChannelDenied = "channel.denied";
    public const string ChannelClose = "channel.close";
    public const string Disconnect = "disconnect";

    /// <summary>A session failed in a way the gateway did not foresee; data "error" says how.</summary>
    public const string SessionError = "session.error";
    public const string AdminUserAdded = "admin.user.added";
    public const string AdminUserChanged = "admin.user.changed";
    public const string AdminUserDeleted = "admin.user.deleted";
    public const string AdminKeyAdded = "admin.key.added";
    public const string AdminKeyRemoved = "admin.key.removed";
    public const string AdminTotpEnrolled = "admin.totp.enrolled";
    public const string AdminTotpRemoved = "admin.totp.removed";
    public const string AdminTargetChanged = "admin.target.changed";
    public const string AdminRuleChanged = "admin.rule.changed";
    public const string AdminGroupChanged = "admin.group.changed";
    public const string AuditVerified = "audit.verified";

    /// <summary>Someone copied the database (bastion backup create): data "path", "sha256", "bytes", "audit_last_seq".</summary>
    public const string StoreBackedUp = "store.backup";
    public const string SecurityKeyCounterRegression = "auth.sk_counter_regression";
    public const string RecordingStarted = "session.recording.started";

    /// <summary>A recording's end; data "recording_id", "sha256" (lowercase hex of the whole document) and "bytes"
    /// seal it into the chain, so the stored chunks can be checked against the trail.</summary>
    public const string RecordingSealed = "session.recording.sealed";
    public const string RecordingFailed = "session.recording.failed";

    /// <summary>A recording its node never sealed (crash); the node's next start hashes what was stored ("sha256").</summary>
    public const string RecordingLost = "session.recording.lost";

    /// <summary>Someone replayed or downloaded a recording (data "recording_id"); who watched what is audited too.</summary>
    public const string RecordingViewed = "recording.viewed";

    /// <summary>A recording was deleted (retention); data keeps its id, sealed "sha256" and "reason".</summary>
    public const string RecordingDeleted = "recording.deleted";

    /// <summary>Recorded mode met a target for the first time and pinned its host key.</summary>
    public const string TargetHostKeyPinned = "target.host_key.pinned";

    /// <summary>An instance or its Name tag is not used (outside its account's ranges, protected address, name that spells another kind); once per instance.</summary>
    public const string InventoryInstanceRejected = "inventory.instance_rejected";

    /// <summary>An inventory finding (rejected instance, address conflict, SSH bypass) no longer holds; data "kind", "subject".</summary>
    public const string InventoryFindingCleared = "inventory.finding_cleared";

    /// <summary>
    /// A login or channel open refused because its user reached a per-user cap on this node (Bastion:Limits); data
    /// "cap", "setting", "limit", "current". At most one per user and cap per minute; the metric counts every refusal.
    /// </summary>
    public const string LimitUserCap = "limit.user_cap";

    /// <summary>A session a gateway node held when it stopped without closing it (crash, kill -9, node removed).</summary>
    public const string SessionLost = "session.lost";
}
