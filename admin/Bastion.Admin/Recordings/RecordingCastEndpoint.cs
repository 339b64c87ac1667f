using System.Text.RegularExpressions;
using Bastion.Admin.Security;
using Bastion.Hosting;

namespace Bastion.Admin.Recordings;

/// <summary>
/// GET /audit/recordings/{id}.cast: the asciicast v2 document, streamed chunk by chunk from the store to the response
/// (a long recording is never held in memory), for auditors only. The replay page's player loads it from here too.
/// </summary>
public static partial class RecordingCastEndpoint
{
    public const string ContentType = "application/x-asciicast";

    /// <summary>Ids are GUIDs in "N" format; anything far longer is not one of ours and is not looked up.</summary>
    private const int MaxIdLength = 64;

    public static string Url(string recordingId) => $"/audit/recordings/{Uri.EscapeDataString(recordingId)}.cast";

    public static IEndpointConventionBuilder MapRecordingCast(this IEndpointRouteBuilder endpoints) =>
        endpoints.MapGet("/audit/recordings/{id}.cast", SendAsync).RequireAuthorization(Policies.Auditor);

    private static async Task SendAsync(string id, HttpContext http, BastionContext context, AdminAudit audit)
    {
        var ct = http.RequestAborted;
        var recording = id.Length <= MaxIdLength ? await context.Store.GetRecordingAsync(id, ct) : null;
        if (recording is null)
        {
            http.Response.StatusCode = StatusCodes.Status404NotFound;
            return;
        }
        await RecordingViewAudit.WriteAsync(audit, recording, RecordingViewAudit.Download);
        http.Response.ContentType = ContentType;
        http.Response.Headers.ContentDisposition = $"attachment; filename=\"bastion-recording-{UnsafeFileNameCharacters().Replace(recording.Id, "_")}.cast\"";
        // No Content-Length from the row: if the chunks were altered their length may differ, and what is stored is sent.
        await foreach (var chunk in context.Store.ReadRecordingAsync(recording.Id, ct))
        {
            await http.Response.Body.WriteAsync(chunk, ct);
        }
    }

    [GeneratedRegex("[^A-Za-z0-9_-]", RegexOptions.CultureInvariant)]
    private static partial Regex UnsafeFileNameCharacters();
}
