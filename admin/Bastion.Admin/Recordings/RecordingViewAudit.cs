using Bastion.Admin.Security;
using Bastion.Core.Audit;
using Bastion.Core.Store;

namespace Bastion.Admin.Recordings;

/// <summary>
/// Who watched what is audited too: opening a replay and fetching the .cast each write
/// <see cref="AuditEventTypes.RecordingViewed"/> (the viewer as actor, the recorded person as subject) before any of
/// the recording is shown.
/// </summary>
public static class RecordingViewAudit
{
    /// <summary>The replay page was opened (metadata and integrity shown; the player then fetches the .cast).</summary>
    public const string Replay = "replay";

    /// <summary>The .cast document was sent (a download, or the player loading it).</summary>
    public const string Download = "download";

    public static Task WriteAsync(AdminAudit audit, RecordingInfo recording, string action) =>
        audit.WriteAsync(AuditEventTypes.RecordingViewed, recording.UserName, new()
        {
            ["recording_id"] = recording.Id,
            ["session"] = recording.SessionId,
            ["target"] = recording.TargetName,
            ["action"] = action,
        });
}
