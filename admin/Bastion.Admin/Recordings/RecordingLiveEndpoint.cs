using System.Text;
using System.Text.Json;
using Bastion.Admin.Security;
using Bastion.Core.Recordings;
using Bastion.Core.Store;
using Bastion.Hosting;

namespace Bastion.Admin.Recordings;

/// <summary>
/// GET /audit/recordings/{id}/live: a recording still being written, as a server-sent event stream the player's
/// "eventsource" driver follows: first a reset carrying the size and the output so far, then each new output or
/// resize event as the gateway stores it (within its flush interval, 1 s by default), then "done" when it is sealed.
/// Auditors only; watching is audited like a replay. The stream ends at the latest after <see cref="MaxWatch"/>.
/// </summary>
public static class RecordingLiveEndpoint
{
    public const string WatchAction = "watch";

    private static readonly TimeSpan PollEvery = TimeSpan.FromMilliseconds(500);
    private static readonly TimeSpan MaxWatch = TimeSpan.FromHours(12);

    /// <summary>The reset's "init" holds at most this much of the output so far: the tail, enough to fill a screen.</summary>
    private const int MaxInitBytes = 256 * 1024;

    public static string Url(string recordingId) => $"/audit/recordings/{Uri.EscapeDataString(recordingId)}/live";

    public static IEndpointConventionBuilder MapRecordingLive(this IEndpointRouteBuilder endpoints) =>
        endpoints.MapGet("/audit/recordings/{id}/live", StreamAsync).RequireAuthorization(Policies.Auditor);

    private static async Task StreamAsync(string id, HttpContext http, BastionContext context, AdminAudit audit)
    {
        var ct = http.RequestAborted;
        var recording = id.Length <= 64 ? await context.Store.GetRecordingAsync(id, ct) : null;
        if (recording is null)
        {
            http.Response.StatusCode = StatusCodes.Status404NotFound;
            return;
        }
        await RecordingViewAudit.WriteAsync(audit, recording, WatchAction);
        http.Response.ContentType = "text/event-stream";
        http.Response.Headers.CacheControl = "no-cache";

        var follower = new ChunkLineSplitter();
        var next = 0;
        var output = new StringBuilder();
        double lastTime = 0;
        await foreach (var chunk in context.Store.ReadRecordingFromAsync(recording.Id, 0, ct))
        {
            next++;
            foreach (var line in follower.Feed(chunk))
            {
                if (ParseEvent(line) is { } e)
                {
                    lastTime = e.Time;
                    if (e.Kind == "o")
                    {
                        output.Append(e.Text);
                    }
                }
            }
        }
        var init = output.Length <= MaxInitBytes ? output.ToString() : output.ToString(output.Length - MaxInitBytes, MaxInitBytes);
        await SendAsync(http, JsonSerializer.Serialize(new
        {
            // A session without a terminal size (pty-req 0x0) is shown at 80x24: the player's terminal fails on 0x0.
            cols = recording.Columns > 0 && recording.Rows > 0 ? recording.Columns : 80,
            rows = recording.Columns > 0 && recording.Rows > 0 ? recording.Rows : 24,
            time = lastTime,
            init,
        }), ct);

        var started = context.Time.GetTimestamp();
        while (recording.Status == RecordingStatus.Recording && context.Time.GetElapsedTime(started) < MaxWatch)
        {
            await Task.Delay(PollEvery, context.Time, ct);
            var sawChunk = false;
            await foreach (var chunk in context.Store.ReadRecordingFromAsync(recording.Id, next, ct))
            {
                next++;
                sawChunk = true;
                foreach (var line in follower.Feed(chunk))
                {
                    if (ParseEvent(line) is { Kind: "o" or "r" })
                    {
                        // The stored line is already the [time, kind, data] message the player expects.
                        await SendAsync(http, Encoding.UTF8.GetString(line.Span), ct);
                    }
                }
            }
            if (!sawChunk)
            {
                recording = await context.Store.GetRecordingAsync(recording.Id, ct) ?? recording with { Status = RecordingStatus.Lost };
            }
        }
        await http.Response.WriteAsync("event: done\ndata: {}\n\n", ct);
        await http.Response.Body.FlushAsync(ct);
    }

    private static async Task SendAsync(HttpContext http, string json, CancellationToken ct)
    {
        await http.Response.WriteAsync($"data: {json}\n\n", ct);
        await http.Response.Body.FlushAsync(ct);
    }

    private static (double Time, string Kind, string Text)? ParseEvent(ReadOnlyMemory<byte> line)
    {
        try
        {
            using var json = JsonDocument.Parse(line);
            var e = json.RootElement;
            if (e.ValueKind != JsonValueKind.Array || e.GetArrayLength() < 3)
            {
                return null; // the header, or something that is not an event
            }
            return (e[0].GetDouble(), e[1].GetString() ?? "", e[2].GetString() ?? "");
        }
        catch (Exception ex) when (ex is JsonException or InvalidOperationException or FormatException)
        {
            return null;
        }
    }
}
