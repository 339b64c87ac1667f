using Bastion.Admin.Recordings;
using Bastion.Admin.Security;
using Bastion.Core.Store;
using Microsoft.AspNetCore.Authorization;
using Microsoft.AspNetCore.Mvc;

namespace Bastion.Admin.Pages.Audit;

/// <summary>
/// Replays one recording: its metadata, whether the stored bytes still hash to the sealed SHA-256, whether the audit
/// trail holds that seal, and the player. Opening it is audited before anything is shown.
/// </summary>
[Authorize(Policy = Policies.Auditor)]
[AllowsWebAssembly]
public sealed class RecordingModel : BastionPageModel
{
    public RecordingInfo Recording { get; private set; } = null!;

    public RecordingIntegrity Integrity { get; private set; } = null!;

    public RecordingSealInTrail Seal { get; private set; } = null!;

    public string CastUrl => RecordingCastEndpoint.Url(Recording.Id);

    /// <summary>Set while the gateway is still writing the recording: the player then follows it live.</summary>
    public string? LiveUrl => Recording.Status == RecordingStatus.Recording ? RecordingLiveEndpoint.Url(Recording.Id) : null;

    public async Task<IActionResult> OnGetAsync(string id)
    {
        var ct = HttpContext.RequestAborted;
        if (await Store.GetRecordingAsync(id, ct) is not { } recording)
        {
            return NotFound();
        }
        Recording = recording;
        await RecordingViewAudit.WriteAsync(Audit, recording, RecordingViewAudit.Replay);
        Integrity = await RecordingIntegrity.CheckAsync(Store, recording, ct);
        Seal = await RecordingSealInTrail.FindAsync(Store, recording, ct);
        return Page();
    }
}
