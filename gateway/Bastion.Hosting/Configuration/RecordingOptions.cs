namespace Bastion.Hosting.Configuration;

/// <summary>
/// Recorded mode (Bastion:Recording): "ssh -t bastion web-1" (or "ssh bastion web-1 COMMAND") ends the user's SSH at
/// the gateway, which logs in to the target with its own key and records the terminal as asciicast v2 into the store.
/// ProxyJump sessions stay end-to-end encrypted and are not recorded.
/// </summary>
public sealed class RecordingOptions
{
    public const string FailClosed = "closed";
    public const string FailOpen = "open";

    /// <summary>Off: recorded mode is refused with a message and only ProxyJump works.</summary>
    public bool Enabled { get; set; } = true;

    /// <summary>
    /// The key the gateway logs in to targets with (OpenSSH format, Ed25519). Empty: DATA/target_client_key,
    /// generated on first use; "bastion recording client-key" prints the line for the targets' authorized_keys.
    /// </summary>
    public string? ClientKeyFile { get; set; }

    public const string AuthenticateWithKey = "key";
    public const string AuthenticateWithCertificate = "certificate";

    /// <summary>
    /// How the gateway logs in to targets. "key": the one ClientKeyFile, trusted in each account's authorized_keys.
    /// "certificate": a fresh key per session with an OpenSSH user certificate, valid two minutes, for the one target
    /// account, with key id "bastion:USER:SESSION" (sshd logs it), signed by CaKeyFile; targets trust the CA with
    /// TrustedUserCAKeys and no gateway key sits in any authorized_keys.
    /// </summary>
    public string TargetAuthentication { get; set; } = AuthenticateWithKey;

    /// <summary>The certificate authority key for TargetAuthentication=certificate. Empty: DATA/target_ca_key, generated on first use; "bastion recording ca-key" prints its public line.</summary>
    public string? CaKeyFile { get; set; }

    public bool UsesCertificates => string.Equals(TargetAuthentication, AuthenticateWithCertificate, StringComparison.OrdinalIgnoreCase);

    /// <summary>Account on the target when the user does not name one ("ssh -t bastion root@web-1"). Empty: the user's Bastion name.</summary>
    public string? DefaultTargetUser { get; set; }

    /// <summary>
    /// Accounts users may log in as on a target in recorded mode; "%u" is the user's own Bastion name. The gateway's key
    /// is one key for everyone, so an account whose authorized_keys holds it is open to every user who may reach that
    /// target: list only the accounts that should be. Null: only the user's own name. DefaultTargetUser is allowed too.
    /// (Nullable because the configuration binder adds to a list that has items instead of replacing them.)
    /// </summary>
    public List<string>? AllowedTargetUsers { get; set; }

    /// <summary>The allowed accounts in force (see <see cref="AllowedTargetUsers"/>).</summary>
    public IReadOnlyList<string> EffectiveAllowedTargetUsers => AllowedTargetUsers is { Count: > 0 } list ? list : [OwnName];

    public const string OwnName = "%u";

    /// <summary>True if <paramref name="user"/> may log in as <paramref name="targetUser"/> in recorded mode.</summary>
    public bool AllowsTargetUser(string user, string targetUser) =>
        (!string.IsNullOrEmpty(DefaultTargetUser) && targetUser == DefaultTargetUser)
        || EffectiveAllowedTargetUsers.Any(allowed => (allowed == OwnName ? user : allowed) == targetUser);

    /// <summary>"closed": a failed recording write ends the session. "open": the session goes on unrecorded (audited).</summary>
    public string FailureMode { get; set; } = FailClosed;

    /// <summary>
    /// Targets tagged with this key and the value "required" (a static target's --tag, or an EC2 tag) may only be
    /// reached in a recorded session: ProxyJump to them is refused with a message saying how to connect.
    /// </summary>
    public string RequiredTag { get; set; } = "bastion-record";

    /// <summary>True if <paramref name="tags"/> mark a target as recorded-only.</summary>
    public bool IsRequiredFor(IReadOnlyDictionary<string, string> tags) =>
        !string.IsNullOrEmpty(RequiredTag) && tags.TryGetValue(RequiredTag, out var value) && string.Equals(value, "required", StringComparison.OrdinalIgnoreCase);

    /// <summary>Also record keystrokes. Off: they include passwords typed at prompts that do not echo.</summary>
    public bool RecordInput { get; set; }

    /// <summary>
    /// Record the input of sessions without a terminal ("echo 'curl …|sh' | ssh bastion web-1", or stdin piped into a
    /// command). On: there the input is the commands, which the output alone would not show; no prompt echoes
    /// off a password there, as none is typed at a terminal.
    /// </summary>
    public bool RecordInputWithoutTerminal { get; set; } = true;

    /// <summary>
    /// Recordings that ended more than this many days ago are deleted (each deletion audited; the seal stays in the
    /// chain). 0 keeps them forever. Checked at start and every six hours; "bastion recording prune" runs it now.
    /// </summary>
    public int RetentionDays { get; set; }

    /// <summary>Longest time recorded output waits in memory before it is written (what a node crash can lose).</summary>
    public int FlushIntervalMilliseconds { get; set; } = 1000;

    /// <summary>
    /// Recorded output is written in chunks of this size (and at every flush interval). Larger chunks mean fewer store
    /// commits: bulk output is recorded faster.
    /// </summary>
    public int ChunkBytes { get; set; } = 256 * 1024;

    /// <summary>
    /// A recorded command's output that may wait unread at the gateway (it arrives faster than it is recorded) before
    /// the session is closed. Interactive shells do not need it: their target is paused instead.
    /// </summary>
    public int MaxQueuedCommandOutputBytes { get; set; } = 64 * 1024 * 1024;

    public IEnumerable<string> Validate()
    {
        if (FailureMode is not (FailClosed or FailOpen))
        {
            yield return $"Bastion:Recording:FailureMode \"{FailureMode}\" is unknown; use closed (a failed recording ends the session, the default) or open";
        }
        if (!string.Equals(TargetAuthentication, AuthenticateWithKey, StringComparison.OrdinalIgnoreCase) && !UsesCertificates)
        {
            yield return $"Bastion:Recording:TargetAuthentication \"{TargetAuthentication}\" is unknown; use key (the gateway's key in authorized_keys, the default) or certificate (short-lived certificates from the gateway's CA)";
        }
        if (FlushIntervalMilliseconds is < 50 or > 60_000)
        {
            yield return $"Bastion:Recording:FlushIntervalMilliseconds {FlushIntervalMilliseconds} is outside 50..60000";
        }
        if (RetentionDays is < 0 or > 36_500)
        {
            yield return $"Bastion:Recording:RetentionDays {RetentionDays} is outside 0..36500 (0 keeps recordings forever)";
        }
        if (MaxQueuedCommandOutputBytes is < 1024 * 1024)
        {
            yield return $"Bastion:Recording:MaxQueuedCommandOutputBytes {MaxQueuedCommandOutputBytes} is below 1 MiB (1048576)";
        }
        if (ChunkBytes is < 1024 or > 4 * 1024 * 1024)
        {
            yield return $"Bastion:Recording:ChunkBytes {ChunkBytes} is outside 1024..4194304";
        }
    }

    public Bastion.Core.Recordings.SessionRecorderSettings RecorderSettings() =>
        new(ChunkBytes, TimeSpan.FromMilliseconds(FlushIntervalMilliseconds), FailureMode == FailClosed, RecordInput);
}
