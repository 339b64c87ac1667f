using System.Security.Cryptography;
using Bastion.Core.Store;
using Bastion.Core.Tests.Support;

namespace Bastion.Core.Tests.Store;

/// <summary>
/// Store contract for session recordings (chunks appended by one node, replayed by any) and pinned target host keys.
/// Runs once per provider.
/// </summary>
public abstract class RecordingStoreTests(StoreProvider provider)
{
    [Fact]
    public async Task A_recording_is_replayed_by_another_node_byte_for_byte_and_sealed_with_its_hash()
    {
        await using var fixture = await StoreFixture.CreateAsync(provider);
        var admin = await fixture.OpenAnotherAsync();
        var start = fixture.Time.GetUtcNow();
        var created = Recording("r1", start) with { Command = "uptime" };
        await fixture.Store.CreateRecordingAsync(created);
        Assert.Equal(created, await admin.GetRecordingAsync("r1"));

        var header = "{\"version\": 2, \"width\": 120, \"height\": 40}\n"u8.ToArray();
        var output = RandomNumberGenerator.GetBytes(5000);
        var sliced = new ReadOnlyMemory<byte>(output, 1000, 3000); // a slice of a larger buffer, as a pooled writer hands it over
        var empty = ReadOnlyMemory<byte>.Empty;
        await fixture.Store.AppendRecordingChunkAsync("r1", 0, header);
        await fixture.Store.AppendRecordingChunkAsync("r1", 1, sliced);
        await fixture.Store.AppendRecordingChunkAsync("r1", 2, empty);
        await fixture.Store.AppendRecordingChunkAsync("r1", 3, output);

        var chunks = await ReadAllAsync(admin, "r1");
        Assert.Equal([header, sliced.ToArray(), [], output], chunks);
        var document = chunks.SelectMany(c => c).ToArray();
        Assert.Equal(header.Length + 3000 + output.Length, (await admin.GetRecordingAsync("r1"))!.Bytes);

        var sha256 = Convert.ToHexStringLower(SHA256.HashData(document));
        await fixture.Store.SealRecordingAsync("r1", start.AddMinutes(3), document.Length, sha256, RecordingStatus.Complete);
        var sealedRecording = await admin.GetRecordingAsync("r1");
        Assert.Equal(created with { EndedAt = start.AddMinutes(3), Bytes = document.Length, Sha256 = sha256, Status = RecordingStatus.Complete }, sealedRecording);
        Assert.Equal(document, (await ReadAllAsync(admin, "r1")).SelectMany(c => c));
        Assert.Null(await admin.GetRecordingAsync("nope"));
    }

    [Fact]
    public async Task A_one_mebibyte_chunk_round_trips()
    {
        await using var fixture = await StoreFixture.CreateAsync(provider);
        await fixture.Store.CreateRecordingAsync(Recording("big", fixture.Time.GetUtcNow()));
        var large = RandomNumberGenerator.GetBytes(1024 * 1024);
        var tail = RandomNumberGenerator.GetBytes(17);

        await fixture.Store.AppendRecordingChunkAsync("big", 0, large);
        await fixture.Store.AppendRecordingChunkAsync("big", 1, tail);

        var chunks = await ReadAllAsync(fixture.Store, "big");
        Assert.Equal(2, chunks.Count);
        Assert.True(large.AsSpan().SequenceEqual(chunks[0]));
        Assert.Equal(tail, chunks[1]);
        Assert.Equal(large.Length + tail.Length, (await fixture.Store.GetRecordingAsync("big"))!.Bytes);
    }

    [Fact]
    public async Task Listing_filters_and_returns_the_newest_first_within_a_clamped_limit()
    {
        await using var fixture = await StoreFixture.CreateAsync(provider);
        var t0 = fixture.Time.GetUtcNow();
        var store = fixture.Store;
        await store.CreateRecordingAsync(Recording("a1", t0) with { SessionId = "s1" });
        await store.CreateRecordingAsync(Recording("a2", t0.AddMinutes(1)) with { SessionId = "s1", TargetName = "DB-1" });
        await store.CreateRecordingAsync(Recording("b1", t0.AddMinutes(2)) with { UserName = "bob", NodeId = "node-b", SessionId = "s2" });
        // Same start as b1: ties are ordered by id, newest (largest) first.
        await store.CreateRecordingAsync(Recording("b2", t0.AddMinutes(2)) with { UserName = "bob", SessionId = "s3", TargetName = "db-1" });
        await store.CreateRecordingAsync(Recording("c1", t0.AddMinutes(3)) with { UserName = "carol", SessionId = "s4" });
        await store.SealRecordingAsync("a1", t0.AddMinutes(5), 0, Sha256Of([]), RecordingStatus.Truncated);

        Assert.Equal(["c1", "b2", "b1", "a2", "a1"], await IdsAsync(new RecordingQuery()));
        Assert.Equal(["a2", "a1"], await IdsAsync(new RecordingQuery(UserName: "alice")));
        Assert.Equal(["b2", "a2"], await IdsAsync(new RecordingQuery(TargetName: "Db-1")));
        Assert.Equal(["a2", "a1"], await IdsAsync(new RecordingQuery(SessionId: "s1")));
        Assert.Equal(["b1"], await IdsAsync(new RecordingQuery(NodeId: "node-b")));
        Assert.Equal(["a1"], await IdsAsync(new RecordingQuery(Status: RecordingStatus.Truncated)));
        Assert.Equal(["b2", "b1"], await IdsAsync(new RecordingQuery(UserName: "bob", Status: RecordingStatus.Recording)));
        // From is inclusive, Until exclusive.
        Assert.Equal(["b2", "b1", "a2"], await IdsAsync(new RecordingQuery(From: t0.AddMinutes(1), Until: t0.AddMinutes(3))));
        Assert.Empty(await IdsAsync(new RecordingQuery(UserName: "alice", From: t0.AddMinutes(2))));

        Assert.Equal(["c1", "b2"], await IdsAsync(new RecordingQuery(Limit: 2)));
        Assert.Equal(["c1"], await IdsAsync(new RecordingQuery(Limit: 0)));
        Assert.Equal(["c1"], await IdsAsync(new RecordingQuery(Limit: -5)));
        Assert.Equal(5, (await IdsAsync(new RecordingQuery(Limit: int.MaxValue))).Count);

        var listed = await store.ListRecordingsAsync(new RecordingQuery(SessionId: "s1"));
        Assert.Equal(await store.GetRecordingAsync("a1"), listed[1]);

        async Task<IReadOnlyList<string>> IdsAsync(RecordingQuery query) =>
            (await store.ListRecordingsAsync(query)).Select(r => r.Id).ToList();
    }

    [Fact]
    public async Task Chunks_for_a_sealed_or_unknown_recording_are_refused()
    {
        await using var fixture = await StoreFixture.CreateAsync(provider);
        var other = await fixture.OpenAnotherAsync();
        await fixture.Store.CreateRecordingAsync(Recording("r1", fixture.Time.GetUtcNow()));
        await fixture.Store.AppendRecordingChunkAsync("r1", 0, "abc"u8.ToArray());
        await other.SealRecordingAsync("r1", fixture.Time.GetUtcNow(), 3, Sha256Of("abc"u8.ToArray()), RecordingStatus.Complete);

        var late = await Assert.ThrowsAsync<EntityNotFoundException>(() => fixture.Store.AppendRecordingChunkAsync("r1", 1, "def"u8.ToArray()));
        Assert.Contains("r1", late.Message, StringComparison.Ordinal);
        await Assert.ThrowsAsync<EntityNotFoundException>(() => fixture.Store.AppendRecordingChunkAsync("nope", 0, "def"u8.ToArray()));

        Assert.Equal(["abc"u8.ToArray()], await ReadAllAsync(other, "r1"));
        Assert.Equal(3, (await other.GetRecordingAsync("r1"))!.Bytes);
    }

    [Fact]
    public async Task A_chunk_written_already_or_one_leaving_a_gap_is_refused_and_changes_nothing()
    {
        await using var fixture = await StoreFixture.CreateAsync(provider);
        await fixture.Store.CreateRecordingAsync(Recording("r1", fixture.Time.GetUtcNow()));
        await fixture.Store.AppendRecordingChunkAsync("r1", 0, "abc"u8.ToArray());
        await fixture.Store.AppendRecordingChunkAsync("r1", 1, "de"u8.ToArray());

        var duplicate = await Assert.ThrowsAsync<StoreConflictException>(() => fixture.Store.AppendRecordingChunkAsync("r1", 1, "XX"u8.ToArray()));
        Assert.Contains("written already", duplicate.Message, StringComparison.Ordinal);
        var gap = await Assert.ThrowsAsync<StoreConflictException>(() => fixture.Store.AppendRecordingChunkAsync("r1", 3, "YY"u8.ToArray()));
        Assert.Contains("the next one is 2", gap.Message, StringComparison.Ordinal);
        await Assert.ThrowsAsync<ArgumentOutOfRangeException>(() => fixture.Store.AppendRecordingChunkAsync("r1", -1, "ZZ"u8.ToArray()));

        Assert.Equal(["abc"u8.ToArray(), "de"u8.ToArray()], await ReadAllAsync(fixture.Store, "r1"));
        Assert.Equal(5, (await fixture.Store.GetRecordingAsync("r1"))!.Bytes);
    }

    [Fact]
    public async Task Two_nodes_appending_the_same_chunk_at_once_store_it_once()
    {
        await using var fixture = await StoreFixture.CreateAsync(provider);
        var other = await fixture.OpenAnotherAsync(pooling: false);
        await fixture.Store.CreateRecordingAsync(Recording("r1", fixture.Time.GetUtcNow()));

        for (var sequence = 0; sequence < 10; sequence++)
        {
            var results = await Task.WhenAll(
                AppendAsync(fixture.Store, sequence, [1, (byte)sequence]),
                AppendAsync(other, sequence, [2, (byte)sequence]));
            Assert.Single(results, appended => appended);
        }

        var chunks = await ReadAllAsync(other, "r1");
        Assert.Equal(Enumerable.Range(0, 10), chunks.Select(c => (int)c[1]));
        Assert.Equal(20, (await other.GetRecordingAsync("r1"))!.Bytes);

        static Task<bool> AppendAsync(IBastionStore store, int sequence, byte[] data) => Task.Run(async () =>
        {
            try
            {
                await store.AppendRecordingChunkAsync("r1", sequence, data);
                return true;
            }
            catch (StoreConflictException)
            {
                return false;
            }
        });
    }

    [Fact]
    public async Task A_recording_is_sealed_once_and_only_while_being_written()
    {
        await using var fixture = await StoreFixture.CreateAsync(provider);
        var other = await fixture.OpenAnotherAsync();
        var now = fixture.Time.GetUtcNow();
        var hash = Sha256Of([]);
        await fixture.Store.CreateRecordingAsync(Recording("r1", now));
        await fixture.Store.SealRecordingAsync("r1", now.AddMinutes(1), 0, hash, RecordingStatus.Complete);

        await Assert.ThrowsAsync<EntityNotFoundException>(() => other.SealRecordingAsync("r1", now.AddMinutes(2), 0, hash, RecordingStatus.Truncated));
        await Assert.ThrowsAsync<EntityNotFoundException>(() => other.SealRecordingAsync("nope", now, 0, hash, RecordingStatus.Complete));
        var stored = await other.GetRecordingAsync("r1");
        Assert.Equal((now.AddMinutes(1), RecordingStatus.Complete), (stored!.EndedAt!.Value, stored.Status));

        // Sealing as "recording" or "lost", or with a hash that is not lowercase hex, is a caller bug.
        await fixture.Store.CreateRecordingAsync(Recording("r2", now));
        await Assert.ThrowsAsync<ArgumentException>(() => fixture.Store.SealRecordingAsync("r2", now, 0, hash, RecordingStatus.Recording));
        await Assert.ThrowsAsync<ArgumentException>(() => fixture.Store.SealRecordingAsync("r2", now, 0, hash, RecordingStatus.Lost));
        await Assert.ThrowsAsync<ArgumentException>(() => fixture.Store.SealRecordingAsync("r2", now, 0, hash.ToUpperInvariant(), RecordingStatus.Complete));
        Assert.Equal(RecordingStatus.Recording, (await fixture.Store.GetRecordingAsync("r2"))!.Status);
    }

    [Fact]
    public async Task An_existing_id_or_a_recording_that_does_not_start_empty_is_refused()
    {
        await using var fixture = await StoreFixture.CreateAsync(provider);
        var other = await fixture.OpenAnotherAsync();
        var now = fixture.Time.GetUtcNow();
        await fixture.Store.CreateRecordingAsync(Recording("r1", now));

        await Assert.ThrowsAsync<StoreConflictException>(() => other.CreateRecordingAsync(Recording("r1", now) with { UserName = "mallory" }));
        Assert.Equal("alice", (await fixture.Store.GetRecordingAsync("r1"))!.UserName);
        await Assert.ThrowsAsync<ArgumentException>(() => other.CreateRecordingAsync(Recording("r2", now) with { Status = RecordingStatus.Complete }));
        await Assert.ThrowsAsync<ArgumentException>(() => other.CreateRecordingAsync(Recording("r3", now) with { Sha256 = Sha256Of([]) }));
        Assert.Null(await fixture.Store.GetRecordingAsync("r2"));
    }

    [Fact]
    public async Task Marking_lost_touches_only_the_unsealed_recordings_of_that_node_and_keeps_their_chunks()
    {
        await using var fixture = await StoreFixture.CreateAsync(provider);
        var restarted = await fixture.OpenAnotherAsync();
        var start = fixture.Time.GetUtcNow();
        await fixture.Store.CreateRecordingAsync(Recording("open-a", start));
        await fixture.Store.CreateRecordingAsync(Recording("sealed-a", start));
        await fixture.Store.CreateRecordingAsync(Recording("open-b", start) with { NodeId = "node-b" });
        await fixture.Store.AppendRecordingChunkAsync("open-a", 0, "hello "u8.ToArray());
        await fixture.Store.AppendRecordingChunkAsync("open-a", 1, "world"u8.ToArray());
        await fixture.Store.AppendRecordingChunkAsync("open-b", 0, "b"u8.ToArray());
        await fixture.Store.SealRecordingAsync("sealed-a", start.AddMinutes(1), 0, Sha256Of([]), RecordingStatus.Complete);
        var sealedBefore = await fixture.Store.GetRecordingAsync("sealed-a");

        var lostAt = start.AddMinutes(10);
        Assert.Equal(["open-a"], await restarted.MarkUnsealedRecordingsLostAsync("node-a", lostAt));

        var lost = await restarted.GetRecordingAsync("open-a");
        Assert.Equal(Recording("open-a", start) with { EndedAt = lostAt, Bytes = 11, Status = RecordingStatus.Lost }, lost);
        Assert.Equal("hello world"u8.ToArray(), (await ReadAllAsync(restarted, "open-a")).SelectMany(c => c));
        Assert.Equal(sealedBefore, await restarted.GetRecordingAsync("sealed-a"));
        Assert.Equal(RecordingStatus.Recording, (await restarted.GetRecordingAsync("open-b"))!.Status);

        // The crashed node's writer cannot go on with a lost recording; marking again finds nothing.
        await Assert.ThrowsAsync<EntityNotFoundException>(() => fixture.Store.AppendRecordingChunkAsync("open-a", 2, "!"u8.ToArray()));
        await Assert.ThrowsAsync<EntityNotFoundException>(() => fixture.Store.SealRecordingAsync("open-a", lostAt, 11, Sha256Of([]), RecordingStatus.Complete));
        Assert.Empty(await restarted.MarkUnsealedRecordingsLostAsync("node-a", lostAt));
        Assert.Equal(["open-a"], (await restarted.ListRecordingsAsync(new RecordingQuery(Status: RecordingStatus.Lost))).Select(r => r.Id));
    }

    [Fact]
    public async Task Reading_an_unknown_recording_yields_nothing()
    {
        await using var fixture = await StoreFixture.CreateAsync(provider);
        Assert.Empty(await ReadAllAsync(fixture.Store, "nope"));
        await fixture.Store.CreateRecordingAsync(Recording("r1", fixture.Time.GetUtcNow()));
        Assert.Empty(await ReadAllAsync(fixture.Store, "r1"));
    }

    [Fact]
    public async Task A_replay_in_progress_does_not_hold_up_a_recording_being_written()
    {
        await using var fixture = await StoreFixture.CreateAsync(provider);
        var gateway = await fixture.OpenAnotherAsync();
        await fixture.Store.CreateRecordingAsync(Recording("old", fixture.Time.GetUtcNow()));
        await fixture.Store.CreateRecordingAsync(Recording("live", fixture.Time.GetUtcNow()));
        for (var i = 0; i < 3; i++)
        {
            await fixture.Store.AppendRecordingChunkAsync("old", i, new[] { (byte)i });
        }

        var replayed = new List<byte>();
        await foreach (var chunk in fixture.Store.ReadRecordingAsync("old"))
        {
            // Between two chunks of the replay another node appends (with a deadline, so a held lock fails the test).
            using var deadline = new CancellationTokenSource(TimeSpan.FromSeconds(10));
            await gateway.AppendRecordingChunkAsync("live", replayed.Count, chunk, deadline.Token);
            replayed.AddRange(chunk.ToArray());
        }

        Assert.Equal([0, 1, 2], replayed);
        Assert.Equal(3, (await gateway.GetRecordingAsync("live"))!.Bytes);
    }

    [Fact]
    public async Task The_first_pinned_host_key_wins_across_nodes_until_it_is_removed()
    {
        await using var fixture = await StoreFixture.CreateAsync(provider);
        var other = await fixture.OpenAnotherAsync();
        var now = fixture.Time.GetUtcNow();
        var first = new PinnedHostKey("ssh-ed25519", "SHA256:first", now);
        var second = new PinnedHostKey("ssh-rsa", "SHA256:second", now.AddMinutes(1));

        Assert.Equal(first, await fixture.Store.PinTargetHostKeyAsync("web-1", first));
        Assert.Equal(first, await other.PinTargetHostKeyAsync("WEB-1", second));
        Assert.Equal(first, await other.GetTargetHostKeyAsync("Web-1"));
        Assert.Null(await other.GetTargetHostKeyAsync("web-2"));

        Assert.True(await other.RemoveTargetHostKeyAsync("WEB-1"));
        Assert.False(await fixture.Store.RemoveTargetHostKeyAsync("web-1"));
        Assert.Null(await fixture.Store.GetTargetHostKeyAsync("web-1"));
        Assert.Equal(second, await fixture.Store.PinTargetHostKeyAsync("web-1", second));
    }

    [Fact]
    public async Task Concurrent_pins_from_two_nodes_agree_on_one_key()
    {
        await using var fixture = await StoreFixture.CreateAsync(provider);
        var other = await fixture.OpenAnotherAsync(pooling: false);
        var now = fixture.Time.GetUtcNow();

        for (var round = 0; round < 20; round++)
        {
            var subject = $"i-{round:x8}";
            var mine = new PinnedHostKey("ssh-ed25519", $"SHA256:a{round}", now);
            var theirs = new PinnedHostKey("ssh-ed25519", $"SHA256:b{round}", now.AddSeconds(1));
            var results = await Task.WhenAll(
                Task.Run(() => fixture.Store.PinTargetHostKeyAsync(subject, mine)),
                Task.Run(() => other.PinTargetHostKeyAsync(subject, theirs)));
            Assert.Equal(results[0], results[1]);
            Assert.Contains(results[0], new[] { mine, theirs });
            Assert.Equal(results[0], await fixture.Store.GetTargetHostKeyAsync(subject));
        }
    }

    [Fact]
    public async Task Deleting_an_ended_recording_takes_its_chunks_and_leaves_one_being_written_alone()
    {
        await using var fixture = await StoreFixture.CreateAsync(provider);
        var other = await fixture.OpenAnotherAsync();
        var start = fixture.Time.GetUtcNow();
        await fixture.Store.CreateRecordingAsync(Recording("old", start));
        await fixture.Store.AppendRecordingChunkAsync("old", 0, "gone"u8.ToArray());
        await fixture.Store.SealRecordingAsync("old", start.AddMinutes(1), 4, Sha256Of("gone"u8.ToArray()), RecordingStatus.Complete);
        await fixture.Store.CreateRecordingAsync(Recording("live", start));
        await fixture.Store.AppendRecordingChunkAsync("live", 0, "kept"u8.ToArray());

        Assert.False(await other.DeleteRecordingAsync("live"));
        Assert.True(await other.DeleteRecordingAsync("old"));
        Assert.False(await fixture.Store.DeleteRecordingAsync("old")); // another node got there first
        Assert.False(await fixture.Store.DeleteRecordingAsync("never-was"));

        Assert.Null(await fixture.Store.GetRecordingAsync("old"));
        Assert.Empty(await ReadAllAsync(fixture.Store, "old"));
        Assert.Equal("kept"u8.ToArray(), (await ReadAllAsync(fixture.Store, "live")).SelectMany(c => c));
        Assert.Equal(["live"], (await fixture.Store.ListRecordingsAsync(new RecordingQuery())).Select(r => r.Id));
        // The id may not come back to life: a chunk for it is refused like one for an unknown recording.
        await Assert.ThrowsAsync<EntityNotFoundException>(() => fixture.Store.AppendRecordingChunkAsync("old", 1, "x"u8.ToArray()));
    }

    [Fact]
    public async Task A_live_viewer_reads_only_the_chunks_after_those_it_has()
    {
        await using var fixture = await StoreFixture.CreateAsync(provider);
        var viewer = await fixture.OpenAnotherAsync();
        await fixture.Store.CreateRecordingAsync(Recording("live", fixture.Time.GetUtcNow()));
        await fixture.Store.AppendRecordingChunkAsync("live", 0, "a"u8.ToArray());
        await fixture.Store.AppendRecordingChunkAsync("live", 1, "b"u8.ToArray());

        var seen = new List<string>();
        await foreach (var chunk in viewer.ReadRecordingFromAsync("live", 1))
        {
            seen.Add(System.Text.Encoding.UTF8.GetString(chunk.Span));
        }
        await fixture.Store.AppendRecordingChunkAsync("live", 2, "c"u8.ToArray());
        await foreach (var chunk in viewer.ReadRecordingFromAsync("live", 2))
        {
            seen.Add(System.Text.Encoding.UTF8.GetString(chunk.Span));
        }
        await foreach (var chunk in viewer.ReadRecordingFromAsync("live", 3))
        {
            seen.Add(System.Text.Encoding.UTF8.GetString(chunk.Span));
        }

        Assert.Equal(["b", "c"], seen);
    }

    private static RecordingInfo Recording(string id, DateTimeOffset start) =>
        new(id, "s-" + id, "node-a", "alice", "203.0.113.7:5000", "web-1", "10.0.0.5:22", "ec2-user", null, 120, 40, start, null, 0, null, RecordingStatus.Recording);

    private static string Sha256Of(byte[] document) => Convert.ToHexStringLower(SHA256.HashData(document));

    private static async Task<List<byte[]>> ReadAllAsync(IBastionStore store, string recordingId)
    {
        var chunks = new List<byte[]>();
        await foreach (var chunk in store.ReadRecordingAsync(recordingId))
        {
            chunks.Add(chunk.ToArray());
        }
        return chunks;
    }
}

public sealed class RecordingStoreTestsOnSqlite() : RecordingStoreTests(StoreProvider.Sqlite);

public sealed class RecordingStoreTestsOnPostgres() : RecordingStoreTests(StoreProvider.Postgres);
