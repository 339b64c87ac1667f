using System.Text.Json;
using Bastion.Core.Audit;
using Bastion.Core.Tests.Support;

namespace Bastion.Core.Tests.Audit;

/// <summary>Store contract: runs once per provider (see the sealed classes at the end).</summary>
public abstract class AuditTrailTests(StoreProvider provider)
{
    [Fact]
    public async Task Observers_see_every_stored_record_in_order_and_a_throwing_observer_does_not_stop_the_trail()
    {
        await using var fixture = await StoreFixture.CreateAsync(provider);
        await using var trail = new AuditTrail(fixture.Store, new AuditTrailOptions { MaxBatchSize = 3 }, fixture.Time);
        var seen = new RecordingObserver();
        trail.AddObserver(new ThrowingObserver());
        trail.AddObserver(seen);
        trail.Start();

        for (var i = 0; i < 10; i++)
        {
            await trail.AppendAsync(Event("s", i));
        }
        await trail.AppendNowAsync(new AuditEvent(AuditEventTypes.AdminUserAdded, AuditSeverity.Notice) { User = "root" });
        await trail.FlushAsync();

        Assert.Equal(Enumerable.Range(1, 11).Select(i => (long)i), seen.Records.Select(r => r.Seq).Order());
        Assert.True((await trail.VerifyAsync()).Ok);
    }

    private sealed class RecordingObserver : IAuditRecordObserver
    {
        private readonly Lock _lock = new();
        private readonly List<AuditRecord> _records = [];

        public IReadOnlyList<AuditRecord> Records
        {
            get { lock (_lock) { return _records.ToList(); } }
        }

        public void OnStored(IReadOnlyList<AuditRecord> records)
        {
            lock (_lock) { _records.AddRange(records); }
        }
    }

    private sealed class ThrowingObserver : IAuditRecordObserver
    {
        public void OnStored(IReadOnlyList<AuditRecord> records) => throw new InvalidOperationException("observer failure (expected by the test)");
    }

    [Fact]
    public async Task Concurrent_appends_from_two_stores_form_one_valid_chain()
    {
        await using var fixture = await StoreFixture.CreateAsync(provider);
        var otherProcess = await fixture.OpenAnotherAsync(pooling: false);
        var jsonl = fixture.Directory.File("audit.jsonl");
        await using var trailA = new AuditTrail(fixture.Store, new AuditTrailOptions { JsonLinesPath = jsonl, MaxBatchSize = 7 }, fixture.Time);
        await using var trailB = new AuditTrail(otherProcess, new AuditTrailOptions { JsonLinesPath = jsonl }, fixture.Time);
        trailA.Start();
        trailB.Start();

        // 100 events: 4 tasks on each "process", plus a few direct CLI-style writes.
        var producers = Enumerable.Range(0, 8).Select(t => Task.Run(async () =>
        {
            var trail = t % 2 == 0 ? trailA : trailB;
            for (var i = 0; i < 12; i++)
            {
                await trail.AppendAsync(Event($"session-{t}", i));
            }
        })).ToList();
        producers.Add(Task.Run(async () =>
        {
            for (var i = 0; i < 4; i++)
            {
                await trailB.AppendNowAsync(new AuditEvent(AuditEventTypes.AdminUserAdded, AuditSeverity.Notice) { User = "root", Data = new Dictionary<string, string> { ["name"] = $"u{i}" } });
            }
        }));
        await Task.WhenAll(producers);
        await trailA.FlushAsync();
        await trailB.FlushAsync();

        var verification = await trailA.VerifyAsync();
        Assert.True(verification.Ok, verification.Problem);
        Assert.Equal(100, verification.EventsChecked);
        Assert.Equal(Enumerable.Range(1, 100).Select(i => (long)i), (await fixture.Store.ReadAuditEventsAsync(0, 1000)).Select(r => r.Seq));
        Assert.True((await otherProcess.GetAuditChainHeadAsync())!.LastSeq == 100);

        // The JSON-lines copy: one object per event, carrying the same hashes as the database.
        var lines = File.ReadAllLines(jsonl); // writers are done: the flock is free
        Assert.Equal(100, lines.Length);
        var stored = (await fixture.Store.ReadAuditEventsAsync(0, 1000)).ToDictionary(r => r.Seq);
        foreach (var line in lines)
        {
            using var json = JsonDocument.Parse(line);
            var root = json.RootElement;
            Assert.Equal(JsonValueKind.Object, root.ValueKind);
            var record = stored[root.GetProperty("seq").GetInt64()];
            Assert.Equal(Convert.ToHexStringLower(record.Hash), root.GetProperty("hash").GetString());
            Assert.Equal(Convert.ToHexStringLower(record.PrevHash), root.GetProperty("prev_hash").GetString());
            Assert.Equal(record.Type, root.GetProperty("type").GetString());
            foreach (var name in new[] { "ts", "severity", "session", "user", "src", "data" })
            {
                Assert.True(root.TryGetProperty(name, out _), $"JSON line lacks \"{name}\": {line}");
            }
        }
    }

    [Fact]
    public async Task The_first_event_chains_from_zeroes_and_timestamps_come_from_the_clock()
    {
        await using var fixture = await StoreFixture.CreateAsync(provider);
        var trail = new AuditTrail(fixture.Store, timeProvider: fixture.Time);

        var first = await trail.AppendNowAsync(Event("s", 0));
        fixture.Time.Advance(TimeSpan.FromSeconds(1));
        var second = await trail.AppendNowAsync(Event("s", 1));

        Assert.Equal(1, first.Seq);
        Assert.Equal(new byte[32], first.PrevHash);
        Assert.Equal(first.Hash, second.PrevHash);
        Assert.Equal(fixture.Time.GetUtcNow().AddSeconds(-1), first.Timestamp);
        Assert.Equal(AuditHash.Compute(second), second.Hash);
        await trail.DisposeAsync();
    }

    [Fact]
    public async Task An_edited_event_is_reported_by_its_seq()
    {
        await using var fixture = await FilledAsync(10);
        await fixture.ExecuteSqlAsync("UPDATE audit_events SET data = '{\"port\":\"2222\"}' WHERE seq = 5;");

        var result = await new AuditTrail(fixture.Store).VerifyAsync();

        Assert.False(result.Ok);
        Assert.Equal(5, result.FirstBrokenSeq);
        Assert.Equal(4, result.EventsChecked);
        Assert.Contains("event 5 was modified", result.Problem, StringComparison.Ordinal);
    }

    [Fact]
    public async Task An_edit_with_a_recomputed_hash_breaks_the_next_link()
    {
        await using var fixture = await FilledAsync(10);
        await fixture.ExecuteSqlAsync("UPDATE audit_events SET user_name = 'mallory', hash = @hash WHERE seq = 5;", ("@hash", System.Security.Cryptography.RandomNumberGenerator.GetBytes(32)));

        var result = await new AuditTrail(fixture.Store).VerifyAsync();

        Assert.False(result.Ok);
        Assert.Equal(5, result.FirstBrokenSeq); // its own hash no longer matches (we could not forge SHA-256 here)
    }

    [Fact]
    public async Task A_deleted_event_is_reported()
    {
        await using var fixture = await FilledAsync(10);
        await fixture.ExecuteSqlAsync("DELETE FROM audit_events WHERE seq = 7;");

        var result = await new AuditTrail(fixture.Store).VerifyAsync();

        Assert.False(result.Ok);
        Assert.Equal(7, result.FirstBrokenSeq);
        Assert.Contains("event 7 is missing", result.Problem, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Deleting_the_newest_events_is_reported()
    {
        await using var fixture = await FilledAsync(10);
        await fixture.ExecuteSqlAsync("DELETE FROM audit_events WHERE seq >= 9;");

        var result = await new AuditTrail(fixture.Store).VerifyAsync();

        Assert.False(result.Ok);
        Assert.Equal(9, result.FirstBrokenSeq);
        Assert.Contains("newest events were deleted", result.Problem, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Appending_after_a_deletion_does_not_hide_it()
    {
        await using var fixture = await FilledAsync(10);
        await fixture.ExecuteSqlAsync("DELETE FROM audit_events WHERE seq = 10;");
        await new AuditTrail(fixture.Store).AppendNowAsync(Event("later", 0));

        var result = await new AuditTrail(fixture.Store).VerifyAsync();

        Assert.False(result.Ok);
        Assert.Equal(10, result.FirstBrokenSeq);
    }

    [Fact]
    public async Task Reordered_events_are_reported()
    {
        await using var fixture = await FilledAsync(10);
        await fixture.ExecuteSqlAsync(
            "UPDATE audit_events SET seq = -1 WHERE seq = 3; UPDATE audit_events SET seq = 3 WHERE seq = 4; UPDATE audit_events SET seq = 4 WHERE seq = -1;");

        var result = await new AuditTrail(fixture.Store).VerifyAsync();

        Assert.False(result.Ok);
        Assert.Equal(3, result.FirstBrokenSeq);
    }

    [Fact]
    public async Task Tail_and_query_page_through_the_trail()
    {
        await using var fixture = await StoreFixture.CreateAsync(provider);
        var trail = new AuditTrail(fixture.Store, timeProvider: fixture.Time);
        for (var i = 0; i < 30; i++)
        {
            await trail.AppendNowAsync(new AuditEvent(i % 3 == 0 ? AuditEventTypes.AuthFailure : AuditEventTypes.ChannelOpen)
            {
                User = i % 2 == 0 ? "alice" : "bob",
                SessionId = $"s{i % 5}",
            });
            fixture.Time.Advance(TimeSpan.FromMinutes(1));
        }

        Assert.Equal([26L, 27, 28, 29, 30], (await trail.TailAsync(5)).Select(r => r.Seq));

        var alice = await trail.QueryAsync(new AuditQuery { User = "alice", Limit = 10 });
        Assert.Equal(10, alice.Events.Count);
        Assert.All(alice.Events, r => Assert.Equal("alice", r.User));
        Assert.Equal(29, alice.Events[0].Seq);
        var rest = await trail.QueryAsync(new AuditQuery { User = "alice", Limit = 10, BeforeSeq = alice.NextBeforeSeq });
        Assert.Equal(5, rest.Events.Count);
        Assert.Null(rest.NextBeforeSeq);

        Assert.Equal(10, (await trail.QueryAsync(new AuditQuery { Type = "auth." })).Events.Count);
        Assert.Equal(20, (await trail.QueryAsync(new AuditQuery { Type = AuditEventTypes.ChannelOpen })).Events.Count);
        Assert.Empty((await trail.QueryAsync(new AuditQuery { Type = "auth" })).Events);
        Assert.Equal(6, (await trail.QueryAsync(new AuditQuery { SessionId = "s0" })).Events.Count);

        var start = new DateTimeOffset(2030, 1, 1, 0, 0, 10, TimeSpan.Zero);
        var window = await trail.QueryAsync(new AuditQuery { From = start.AddMinutes(10), To = start.AddMinutes(15) });
        Assert.Equal([15L, 14, 13, 12, 11], window.Events.Select(r => r.Seq));
    }

    [Fact]
    public async Task Query_filters_on_the_target_data_field()
    {
        await using var fixture = await StoreFixture.CreateAsync(provider);
        var trail = new AuditTrail(fixture.Store, timeProvider: fixture.Time);
        string?[] targets = ["web-1", "Web-1", "db-1", null, "web-10"];
        foreach (var target in targets)
        {
            var data = target is null ? new Dictionary<string, string> { ["other"] = "web-1" } : new Dictionary<string, string> { ["target"] = target };
            await trail.AppendNowAsync(new AuditEvent(AuditEventTypes.ChannelOpen) { User = "alice", Data = data });
        }

        var web1 = await trail.QueryAsync(new AuditQuery { Target = "web-1" });
        Assert.Equal([2L, 1], web1.Events.Select(r => r.Seq));
        Assert.Single((await trail.QueryAsync(new AuditQuery { Target = "db-1", User = "alice", Type = "channel." })).Events);
        Assert.Empty((await trail.QueryAsync(new AuditQuery { Target = "web-1", User = "bob" })).Events);
        Assert.Empty((await trail.QueryAsync(new AuditQuery { Target = "web-%" })).Events);
    }

    [Fact]
    public async Task Misuse_is_reported_clearly()
    {
        await using var fixture = await StoreFixture.CreateAsync(provider);
        var trail = new AuditTrail(fixture.Store);

        await Assert.ThrowsAsync<InvalidOperationException>(() => trail.FlushAsync());
        await Assert.ThrowsAsync<ArgumentException>(() => trail.AppendAsync(new AuditEvent("Not A Type")).AsTask());

        await trail.AppendAsync(Event("s", 0)); // queued before Start: written when stopping
        await trail.StopAsync();
        Assert.Equal(1, (await fixture.Store.GetAuditChainHeadAsync())!.LastSeq);
        var error = await Assert.ThrowsAsync<InvalidOperationException>(() => trail.AppendAsync(Event("s", 1)).AsTask());
        Assert.Contains("stopped", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Over_long_values_from_the_network_are_cut()
    {
        await using var fixture = await StoreFixture.CreateAsync(provider);
        var trail = new AuditTrail(fixture.Store);

        var record = await trail.AppendNowAsync(new AuditEvent(AuditEventTypes.ConnectionAccepted)
        {
            Data = new Dictionary<string, string> { ["client"] = new string('x', 100_000) },
        });

        Assert.True(record.Data["client"].Length < 2100);
        Assert.True((await trail.VerifyAsync()).Ok);
    }

    private static AuditEvent Event(string session, int i) => new(AuditEventTypes.ChannelOpen)
    {
        SessionId = session,
        User = "alice",
        SourceAddress = "203.0.113.7:51514",
        Data = new Dictionary<string, string> { ["target"] = "web-1", ["i"] = i.ToString(System.Globalization.CultureInfo.InvariantCulture) },
    };

    private async Task<StoreFixture> FilledAsync(int count)
    {
        var fixture = await StoreFixture.CreateAsync(provider);
        var trail = new AuditTrail(fixture.Store, timeProvider: fixture.Time);
        for (var i = 0; i < count; i++)
        {
            await trail.AppendNowAsync(Event("s", i));
        }
        Assert.True((await trail.VerifyAsync()).Ok);
        return fixture;
    }
}

public sealed class AuditTrailTestsOnSqlite() : AuditTrailTests(StoreProvider.Sqlite);

public sealed class AuditTrailTestsOnPostgres() : AuditTrailTests(StoreProvider.Postgres);
