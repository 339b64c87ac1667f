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

    /// <summary>Gateway nodes beating into the store: a node whose heartbeat is old holds no sessions any more.</summary>
    public IReadOnlyList<GatewayNode> Nodes { get; private set; } = [];

    public DateTimeOffset Now { get; private set; }

    /// <summary>Sessions whose kill is requested but not yet carried out (the node acts within about a second).</summary>
    public IReadOnlySet<string> KillRequested { get; private set; } = new HashSet<string>();

    /// <summary>Recordings being written now, by session id and target: a recorded session's row links to what it has recorded so far.</summary>
    public IReadOnlyDictionary<(string SessionId, string Target), string> RecordingsInProgress { get; private set; } =
        new Dictionary<(string, string), string>();

    public async Task OnGetAsync()
    {
        var ct = HttpContext.RequestAborted;
        Sessions = await Store.ListLiveSessionsAsync(ct);
        KillRequested = (await Store.PendingKillRequestsAsync(Sessions.Select(s => s.SessionId).ToList(), ct))
            .Select(k => k.SessionId).ToHashSet(StringComparer.Ordinal);
        Nodes = await Store.ListNodesAsync(ct);
        Now = Bastion.Time.GetUtcNow();
        var recording = await Store.ListRecordingsAsync(new RecordingQuery(Status: RecordingStatus.Recording, Limit: 1000), ct);
        RecordingsInProgress = recording
            .GroupBy(r => (r.SessionId, r.TargetName))
            .ToDictionary(g => g.Key, g => g.First().Id);
    }

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
