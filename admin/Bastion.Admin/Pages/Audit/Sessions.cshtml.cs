using Bastion.Admin.Security;
using Bastion.Core.Audit;
using Bastion.Core.Store;
using Microsoft.AspNetCore.Authorization;
using Microsoft.AspNetCore.Mvc;

namespace Bastion.Admin.Pages.Audit;

/// <summary>
/// Sessions open now on every gateway node, and a kill button: the request goes through the store, and the node
/// holding the connection closes it within about a second and audits it.
/// </summary>
[Authorize(Policy = Policies.Auditor)]
public sealed class SessionsModel : BastionPageModel
{
    public IReadOnlyList<LiveSession> Sessions { get; private set; } = [];

    public async Task OnGetAsync() => Sessions = await Store.ListLiveSessionsAsync(HttpContext.RequestAborted);

    public async Task<IActionResult> OnPostKillAsync(string sessionId)
    {
        var live = (await Store.ListLiveSessionsAsync(HttpContext.RequestAborted)).Where(s => s.SessionId == sessionId).ToList();
        if (live.Count == 0)
        {
            return RedirectWithError("That session has already ended.");
        }
        var actor = (await CurrentUserAsync()).Name;
        var request = await Store.RequestKillAsync(sessionId, $"web:{actor}", HttpContext.RequestAborted);
        await Audit.WriteAsync("session.kill_requested", live[0].UserName, new()
        {
            ["session"] = sessionId,
            ["request"] = request.Id.ToString(System.Globalization.CultureInfo.InvariantCulture),
            ["targets"] = string.Join(",", live.Select(s => s.TargetName)),
        }, AuditSeverity.Warning);
        return RedirectWithMessage($"Kill of {live[0].UserName}'s session to {live[0].TargetName} requested; it closes within seconds.");
    }
}
