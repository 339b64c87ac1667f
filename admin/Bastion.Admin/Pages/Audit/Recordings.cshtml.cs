using Bastion.Admin.Recordings;
using Bastion.Admin.Security;
using Bastion.Core.Store;
using Microsoft.AspNetCore.Authorization;
using Microsoft.AspNetCore.Mvc;

namespace Bastion.Admin.Pages.Audit;

/// <summary>
/// Auditors find recorded sessions (user, target, session id, status, start-time range; newest first) and open
/// one to replay it. Listing shows only metadata; replaying and downloading are audited.
/// </summary>
[Authorize(Policy = Policies.Auditor)]
public sealed class RecordingsModel : BastionPageModel
{
    public const int PageSize = 100;

    [BindProperty(SupportsGet = true, Name = "user")]
    public string? UserFilter { get; set; }

    [BindProperty(SupportsGet = true, Name = "target")]
    public string? TargetFilter { get; set; }

    [BindProperty(SupportsGet = true, Name = "session")]
    public string? SessionFilter { get; set; }

    [BindProperty(SupportsGet = true, Name = "status")]
    public string? StatusFilter { get; set; }

    [BindProperty(SupportsGet = true, Name = "from")]
    public string? FromFilter { get; set; }

    [BindProperty(SupportsGet = true, Name = "until")]
    public string? UntilFilter { get; set; }

    public RecordingFilter Filter => RecordingFilter.Create(UserFilter, TargetFilter, SessionFilter, StatusFilter, FromFilter, UntilFilter);

    public IReadOnlyList<RecordingInfo> Recordings { get; private set; } = [];

    public string? FilterError { get; private set; }

    public async Task OnGetAsync()
    {
        if (!Filter.TryBuild(PageSize, Bastion.Time.GetUtcNow(), out var query, out var error))
        {
            FilterError = error;
            return;
        }
        Recordings = await Store.ListRecordingsAsync(query, HttpContext.RequestAborted);
    }
}
