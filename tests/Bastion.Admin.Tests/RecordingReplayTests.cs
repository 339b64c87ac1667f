using System.Security.Cryptography;
using System.Text;
using Bastion.Admin.Tests.Infrastructure;
using Bastion.Core.Audit;
using Bastion.Core.Store;
using Microsoft.Data.Sqlite;
using Microsoft.Playwright;

namespace Bastion.Admin.Tests;

/// <summary>
/// The auditor's recordings: the list, the replay page (player, integrity against the sealed hash and the audit
/// trail's seal), the streamed .cast download, auditing of who watched, and who may not.
/// </summary>
public sealed class RecordingReplayTests
{
    private const string Greeting = "hello from the recording";

    [Fact]
    public async Task Auditor_finds_a_recording_replays_it_downloads_the_exact_bytes_and_the_viewing_is_audited()
    {
        await using var host = await AdminAppHost.StartAsync();
        var invite = await host.AddPersonAsync("audrey", AdminRoles.Auditor);
        var recorded = await SeedSealedAsync(host, "alice", "db-1", command: null);
        var other = await SeedLostAsync(host, "bob", "web-1", command: "uptime");

        await using var browser = await BrowserSession.StartAsync();
        await browser.RedeemInviteAsync(invite, host.BaseUrl);
        var page = browser.Page;
        await page.GotoAsync($"{host.BaseUrl}/");
        await page.ClickAsync("header nav a[href='/audit/recordings']");
        await page.WaitForURLAsync($"{host.BaseUrl}/audit/recordings");
        Assert.Equal(2, await page.Locator("#recordings tbody tr").CountAsync());
        var row = page.Locator($"#recordings tr[data-recording='{recorded.Info.Id}']");
        var cells = await row.Locator("td").AllInnerTextsAsync();
        Assert.Equal("alice", cells[1]);
        Assert.Equal("198.51.100.4:50022", cells[2]);
        Assert.Contains("db-1", cells[3]);
        Assert.Contains("10.0.0.5:22", cells[3]);
        Assert.Equal("ubuntu", cells[4]);
        Assert.Equal("shell", cells[5]);
        Assert.Equal("0:01:05", cells[6]);
        Assert.Equal($"{recorded.Document.Length} B", cells[7]);
        Assert.Equal("complete", cells[8]);
        var otherCells = await page.Locator($"#recordings tr[data-recording='{other.Id}'] td").AllInnerTextsAsync();
        Assert.Equal("uptime", otherCells[5]);
        Assert.Equal("lost", otherCells[8]);

        // Filters: user, status, an unknown status and a bad time.
        await page.GotoAsync($"{host.BaseUrl}/audit/recordings?user=bob");
        Assert.Equal([other.Id], await RowIdsAsync(page));
        await page.GotoAsync($"{host.BaseUrl}/audit/recordings?status=complete&target=DB-1");
        Assert.Equal([recorded.Info.Id], await RowIdsAsync(page));
        await page.GotoAsync($"{host.BaseUrl}/audit/recordings?status=deleted");
        Assert.Contains("is not one of recording, complete, truncated, lost", await page.InnerTextAsync("#filter-error"));
        await page.GotoAsync($"{host.BaseUrl}/audit/recordings?from=soon");
        Assert.Contains("is not a time", await page.InnerTextAsync("#filter-error"));

        // The replay page: integrity, the trail's seal, and the player showing what the target printed.
        await page.GotoAsync($"{host.BaseUrl}/audit/recordings");
        var replay = await page.RunAndWaitForResponseAsync(
            () => page.ClickAsync($"a[data-replay='{recorded.Info.Id}']"),
            r => r.Url == $"{host.BaseUrl}/audit/recordings/{recorded.Info.Id}");
        Assert.Equal(200, replay.Status);
        Assert.Contains("'wasm-unsafe-eval'", replay.Headers["content-security-policy"]);
        Assert.DoesNotContain("unsafe-inline", replay.Headers["content-security-policy"]);
        Assert.Equal("intact", await page.GetAttributeAsync("#integrity", "data-state"));
        Assert.StartsWith("Intact", await page.InnerTextAsync("#integrity"));
        Assert.Equal(recorded.Info.Sha256, await page.InnerTextAsync("#sealed-sha256"));
        Assert.Equal("true", await page.GetAttributeAsync("#trail-seal", "data-matches"));
        Assert.Contains("holds the same SHA-256", await page.InnerTextAsync("#trail-seal"));

        await page.Locator("#player .ap-player").WaitForAsync(new LocatorWaitForOptions { Timeout = 15_000 });
        await page.ClickAsync("#player .ap-player");
        await Assertions.Expect(page.Locator("#player .ap-term")).ToContainTextAsync(Greeting, new LocatorAssertionsToContainTextOptions { Timeout = 15_000 });
        await browser.ScreenshotAsync("recording-replay");
        Assert.DoesNotContain(browser.ConsoleMessages, m => m.Contains("Content Security Policy", StringComparison.OrdinalIgnoreCase));

        // The download link (a real download) and the endpoint give exactly the stored bytes.
        var download = await page.RunAndWaitForDownloadAsync(() => page.ClickAsync("#download"));
        Assert.EndsWith(".cast", download.SuggestedFilename);
        Assert.Equal(recorded.Document, await File.ReadAllBytesAsync((await download.PathAsync())!));
        var cast = await page.APIRequest.GetAsync($"{host.BaseUrl}/audit/recordings/{recorded.Info.Id}.cast");
        Assert.Equal(200, cast.Status);
        Assert.Equal("application/x-asciicast", cast.Headers["content-type"]);
        Assert.Equal(recorded.Document, await cast.BodyAsync());
        Assert.Equal(404, (await page.APIRequest.GetAsync($"{host.BaseUrl}/audit/recordings/{Guid.NewGuid():N}.cast")).Status);
        Assert.Equal(404, (await page.APIRequest.GetAsync($"{host.BaseUrl}/audit/recordings/{Guid.NewGuid():N}")).Status);

        // Who watched what: the replay page once, and the .cast each time it left (player, link, direct fetch).
        var viewed = (await host.Audit.QueryAsync(new AuditQuery { Type = AuditEventTypes.RecordingViewed })).Events;
        Assert.All(viewed, e =>
        {
            Assert.Equal("audrey", e.User);
            Assert.Equal("audrey", e.Data["actor"]);
            Assert.Equal(recorded.Info.Id, e.Data["recording_id"]);
            Assert.Equal("alice", e.Data["subject"]);
        });
        Assert.Single(viewed, e => e.Data["action"] == "replay");
        Assert.Equal(3, viewed.Count(e => e.Data["action"] == "download"));
        Assert.Empty(browser.Dialogs);
    }

    [Fact]
    public async Task An_altered_chunk_shows_that_the_recording_does_not_match_its_sealed_hash_and_an_unsealed_one_says_so()
    {
        await using var host = await AdminAppHost.StartAsync();
        var invite = await host.AddPersonAsync("audrey", AdminRoles.Auditor);
        var recorded = await SeedSealedAsync(host, "alice", "db-1", command: null);
        var lost = await SeedLostAsync(host, "bob", "web-1", command: "uptime");
        await using (var connection = new SqliteConnection($"Data Source={Path.Combine(host.DataDirectory, "bastion.db")};Pooling=False"))
        {
            await connection.OpenAsync();
            using var command = connection.CreateCommand();
            command.CommandText = "UPDATE recording_chunks SET data = @data WHERE recording_id = @id AND seq = 1;";
            command.Parameters.AddWithValue("@data", Encoding.UTF8.GetBytes("[0.1, \"o\", \"nothing to see here\\r\\n\"]\n"));
            command.Parameters.AddWithValue("@id", recorded.Info.Id);
            Assert.Equal(1, await command.ExecuteNonQueryAsync());
        }

        await using var browser = await BrowserSession.StartAsync();
        await browser.RedeemInviteAsync(invite, host.BaseUrl);
        var page = browser.Page;
        await page.GotoAsync($"{host.BaseUrl}/audit/recordings/{recorded.Info.Id}");
        Assert.Equal("altered", await page.GetAttributeAsync("#integrity", "data-state"));
        Assert.Contains("do not match the sealed hash", await page.InnerTextAsync("#integrity"));
        Assert.Contains("the recording was altered", await page.InnerTextAsync("#integrity"));
        await browser.ScreenshotAsync("recording-altered");

        await page.GotoAsync($"{host.BaseUrl}/audit/recordings/{lost.Id}");
        Assert.Equal("notsealed", await page.GetAttributeAsync("#integrity", "data-state"));
        Assert.StartsWith("Not sealed (status lost)", await page.InnerTextAsync("#integrity"));
        Assert.Equal("false", await page.GetAttributeAsync("#trail-seal", "data-matches"));
        Assert.Contains("holds no session.recording.sealed event", await page.InnerTextAsync("#trail-seal"));
    }

    [Fact]
    public async Task Users_and_admins_without_the_auditor_role_get_403_for_the_list_the_replay_and_the_cast()
    {
        await using var host = await AdminAppHost.StartAsync();
        var bobInvite = await host.AddPersonAsync("bob", AdminRoles.User);
        var rootInvite = await host.AddPersonAsync("root", AdminRoles.Admin);
        var recorded = await SeedSealedAsync(host, "alice", "db-1", command: null);
        string[] paths = ["/audit/recordings", $"/audit/recordings/{recorded.Info.Id}", $"/audit/recordings/{recorded.Info.Id}.cast"];

        foreach (var invite in new[] { bobInvite, rootInvite })
        {
            await using var session = await BrowserSession.StartAsync();
            await session.RedeemInviteAsync(invite, host.BaseUrl);
            Assert.Equal(0, await session.Page.Locator("header nav a[href='/audit/recordings']").CountAsync());
            foreach (var path in paths)
            {
                var response = await session.Page.APIRequest.GetAsync(host.BaseUrl + path);
                Assert.True(response.Status == 403, $"{path}: {response.Status}");
                Assert.DoesNotContain(Greeting, await response.TextAsync());
            }
        }

        // Not signed in: sent to the login page, nothing of the recording in the answer.
        await using var stranger = await BrowserSession.StartAsync();
        foreach (var path in paths)
        {
            var response = await stranger.Page.APIRequest.GetAsync(host.BaseUrl + path, new APIRequestContextOptions { MaxRedirects = 0 });
            Assert.Equal(302, response.Status);
            Assert.StartsWith($"{host.BaseUrl}/login", response.Headers["location"]);
        }
        Assert.Empty((await host.Audit.QueryAsync(new AuditQuery { Type = AuditEventTypes.RecordingViewed })).Events);
    }

    private sealed record SeededRecording(RecordingInfo Info, byte[] Document);

    /// <summary>
    /// A complete recording as the gateway writes it: a valid asciicast v2 document in three chunks, sealed with its
    /// real SHA-256, and the seal event in the audit trail.
    /// </summary>
    private static async Task<SeededRecording> SeedSealedAsync(AdminAppHost host, string user, string target, string? command)
    {
        var started = new DateTimeOffset(2030, 3, 1, 9, 30, 0, TimeSpan.Zero);
        var info = NewRecording(user, target, command, started);
        string[] chunks =
        [
            $"{{\"version\": 2, \"width\": 80, \"height\": 24, \"timestamp\": {started.ToUnixTimeSeconds()}}}\n",
            $"[0.1, \"o\", \"{Greeting}\\r\\n\"]\n",
            "[0.5, \"o\", \"$ \"]\n[1.2, \"o\", \"exit\\r\\n\"]\n",
        ];
        await host.Store.CreateRecordingAsync(info);
        var document = new List<byte>();
        for (var i = 0; i < chunks.Length; i++)
        {
            var bytes = Encoding.UTF8.GetBytes(chunks[i]);
            await host.Store.AppendRecordingChunkAsync(info.Id, i, bytes);
            document.AddRange(bytes);
        }
        var sha256 = Convert.ToHexStringLower(SHA256.HashData(document.ToArray()));
        var ended = started.AddSeconds(65);
        await host.Store.SealRecordingAsync(info.Id, ended, document.Count, sha256, RecordingStatus.Complete);
        await host.Audit.AppendNowAsync(new AuditEvent(AuditEventTypes.RecordingSealed)
        {
            SessionId = info.SessionId,
            User = user,
            Data = new Dictionary<string, string>
            {
                ["recording_id"] = info.Id,
                ["sha256"] = sha256,
                ["bytes"] = document.Count.ToString(System.Globalization.CultureInfo.InvariantCulture),
            },
        });
        var sealedInfo = await host.Store.GetRecordingAsync(info.Id) ?? throw new InvalidOperationException("the seeded recording vanished");
        Assert.Equal(sha256, sealedInfo.Sha256);
        return new SeededRecording(sealedInfo, document.ToArray());
    }

    /// <summary>A recording whose node died before sealing it: one chunk, then marked lost at the node's restart.</summary>
    [Fact]
    public async Task A_recorded_session_in_progress_links_from_the_live_sessions_to_what_it_has_recorded_so_far()
    {
        await using var host = await AdminAppHost.StartAsync();
        var invite = await host.AddPersonAsync("auggie", AdminRoles.Auditor);
        var started = DateTimeOffset.UtcNow.AddMinutes(-2);
        var info = NewRecording("carol", "db-2", command: null, started);
        await host.Store.CreateRecordingAsync(info);
        await host.Store.AppendRecordingChunkAsync(info.Id, 0, Encoding.UTF8.GetBytes(
            $"{{\"version\": 2, \"width\": 80, \"height\": 24, \"timestamp\": {started.ToUnixTimeSeconds()}}}\n[0.5, \"o\", \"still typing\\r\\n\"]\n"));
        // As the gateway writes them: the live row of the recorded channel, and a forwarded one of another session.
        await host.Store.UpsertLiveSessionAsync(new LiveSession("c-rec", info.SessionId, "node-1", "carol", "198.51.100.4:50022", "db-2", "10.0.0.6:22",
            null, null, started, 10, 20, started));
        await host.Store.UpsertLiveSessionAsync(new LiveSession("c-fwd", "s-other", "node-1", "dan", "198.51.100.5:50022", "web-1", "10.0.0.5:22",
            null, null, started, 10, 20, started));

        await using var browser = await BrowserSession.StartAsync();
        await browser.RedeemInviteAsync(invite, host.BaseUrl);
        var page = browser.Page;
        await page.GotoAsync($"{host.BaseUrl}/audit/sessions");
        Assert.Equal(1, await page.Locator($"tr[data-session='{info.SessionId}'] a[data-recording='{info.Id}']").CountAsync());
        Assert.Equal(0, await page.Locator("tr[data-session='s-other'] a[data-recording]").CountAsync());

        await page.Locator($"a[data-recording='{info.Id}']").ClickAsync();
        await page.WaitForURLAsync($"**/audit/recordings/{info.Id}");

        // Being written is the normal state of a live recording: one neutral line, no red "not sealed" banners.
        Assert.Equal("recording", await page.GetAttributeAsync("#live-note", "data-state"));
        Assert.Equal(0, await page.Locator(".flash.error").CountAsync());
        Assert.Equal(0, await page.Locator("#integrity, #trail-seal").CountAsync());

        // The player follows it live: what was stored before the page opened, then what the gateway stores next.
        var term = page.Locator("#player .ap-term");
        await Assertions.Expect(term).ToContainTextAsync("still typing", new LocatorAssertionsToContainTextOptions { Timeout = 15_000 });
        await host.Store.AppendRecordingChunkAsync(info.Id, 1, Encoding.UTF8.GetBytes("[3.0, \"o\", \"arrived-while-watching\\r\\n\"]\n"));
        await Assertions.Expect(term).ToContainTextAsync("arrived-while-watching", new LocatorAssertionsToContainTextOptions { Timeout = 15_000 });
        var watched = (await host.Store.QueryAuditEventsAsync(new Bastion.Core.Audit.AuditQuery { Type = "recording.viewed" })).Events;
        Assert.Contains(watched, e => e.Data.GetValueOrDefault("recording_id") == info.Id && e.Data.GetValueOrDefault("action") == "watch");
    }

    [Fact]
    public async Task A_session_recorded_without_a_terminal_size_plays_at_80_by_24()
    {
        await using var host = await AdminAppHost.StartAsync();
        var invite = await host.AddPersonAsync("audrey", AdminRoles.Auditor);
        var started = new DateTimeOffset(2030, 3, 1, 9, 30, 0, TimeSpan.Zero);
        var info = NewRecording("alice", "db-1", command: null, started) with { Columns = 0, Rows = 0 };
        await host.Store.CreateRecordingAsync(info);
        var document = Encoding.UTF8.GetBytes(
            $"{{\"version\": 2, \"width\": 0, \"height\": 0, \"timestamp\": {started.ToUnixTimeSeconds()}}}\n[0.1, \"o\", \"{Greeting}\\r\\n\"]\n");
        await host.Store.AppendRecordingChunkAsync(info.Id, 0, document);
        await host.Store.SealRecordingAsync(info.Id, started.AddSeconds(5), document.Length, Convert.ToHexStringLower(SHA256.HashData(document)), RecordingStatus.Complete);

        await using var browser = await BrowserSession.StartAsync();
        await browser.RedeemInviteAsync(invite, host.BaseUrl);
        var page = browser.Page;
        await page.GotoAsync($"{host.BaseUrl}/audit/recordings/{info.Id}");
        await page.Locator("#player .ap-player").WaitForAsync(new LocatorWaitForOptions { Timeout = 15_000 });
        await page.ClickAsync("#player .ap-player");
        await Assertions.Expect(page.Locator("#player .ap-term")).ToContainTextAsync(Greeting, new LocatorAssertionsToContainTextOptions { Timeout = 15_000 });

        // The same while it is still being recorded (the live stream's reset carries the size).
        var live = NewRecording("alice", "db-2", command: null, DateTimeOffset.UtcNow.AddMinutes(-1)) with { Columns = 0, Rows = 0 };
        await host.Store.CreateRecordingAsync(live);
        await host.Store.AppendRecordingChunkAsync(live.Id, 0, Encoding.UTF8.GetBytes(
            $"{{\"version\": 2, \"width\": 0, \"height\": 0, \"timestamp\": {live.StartedAt.ToUnixTimeSeconds()}}}\n[0.5, \"o\", \"still typing\\r\\n\"]\n"));
        await page.GotoAsync($"{host.BaseUrl}/audit/recordings/{live.Id}");
        await Assertions.Expect(page.Locator("#player .ap-term")).ToContainTextAsync("still typing", new LocatorAssertionsToContainTextOptions { Timeout = 15_000 });
        Assert.Empty(browser.PageErrors);
    }

    private static async Task<RecordingInfo> SeedLostAsync(AdminAppHost host, string user, string target, string? command)
    {
        var started = new DateTimeOffset(2030, 3, 2, 8, 0, 0, TimeSpan.Zero);
        var info = NewRecording(user, target, command, started) with { NodeId = "node-lost" };
        await host.Store.CreateRecordingAsync(info);
        await host.Store.AppendRecordingChunkAsync(info.Id, 0, Encoding.UTF8.GetBytes(
            $"{{\"version\": 2, \"width\": 80, \"height\": 24, \"timestamp\": {started.ToUnixTimeSeconds()}}}\n"));
        Assert.Equal([info.Id], await host.Store.MarkUnsealedRecordingsLostAsync("node-lost", started.AddMinutes(5)));
        return await host.Store.GetRecordingAsync(info.Id) ?? throw new InvalidOperationException("the seeded recording vanished");
    }

    internal static RecordingInfo NewRecording(string user, string target, string? command, DateTimeOffset started) => new(
        Id: Guid.NewGuid().ToString("N"),
        SessionId: $"s-{Guid.NewGuid():N}",
        NodeId: "node-1",
        UserName: user,
        SourceAddress: "198.51.100.4:50022",
        TargetName: target,
        TargetAddress: "10.0.0.5:22",
        TargetUser: "ubuntu",
        Command: command,
        Columns: 80,
        Rows: 24,
        StartedAt: started,
        EndedAt: null,
        Bytes: 0,
        Sha256: null,
        Status: RecordingStatus.Recording);

    private static async Task<IReadOnlyList<string?>> RowIdsAsync(IPage page)
    {
        var rows = page.Locator("#recordings tbody tr");
        var ids = new List<string?>();
        for (var i = 0; i < await rows.CountAsync(); i++)
        {
            ids.Add(await rows.Nth(i).GetAttributeAsync("data-recording"));
        }
        return ids;
    }
}
