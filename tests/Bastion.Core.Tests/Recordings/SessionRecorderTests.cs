using System.Security.Cryptography;
using System.Text;
using System.Text.Json;
using Bastion.Core.Recordings;
using Bastion.Core.Store;
using Bastion.Core.Tests.Support;

namespace Bastion.Core.Tests.Recordings;

/// <summary>The recorder against a real store: chunking, periodic flushes, the seal, and what a store failure does.</summary>
public sealed class SessionRecorderTests
{
    private static readonly SessionRecorderSettings SmallChunks = new(4096, TimeSpan.FromMinutes(10), FailClosed: true, RecordInput: false);

    [Fact]
    public async Task Output_is_stored_in_chunks_and_the_seal_is_the_hash_of_what_the_store_holds()
    {
        await using var fixture = await StoreFixture.CreateAsync();
        var recorder = await SessionRecorder.StartAsync(fixture.Store, Info("r1"), "xterm", SmallChunks, TimeProvider.System, CancellationToken.None);
        var text = new StringBuilder();
        for (var i = 0; i < 2000; i++)
        {
            var line = $"line {i} of the session output\r\n";
            text.Append(line);
            await recorder.OutputAsync(Encoding.UTF8.GetBytes(line), CancellationToken.None);
            await recorder.InputAsync("ignored"u8.ToArray(), CancellationToken.None);
        }
        await recorder.ResizeAsync(100, 30, CancellationToken.None);

        var seal = await recorder.SealAsync();
        await recorder.DisposeAsync();

        var chunks = new List<byte[]>();
        await foreach (var chunk in fixture.Store.ReadRecordingAsync("r1"))
        {
            chunks.Add(chunk.ToArray());
        }
        Assert.True(chunks.Count > 5, $"expected several chunks of about 4 KiB, got {chunks.Count}");
        var document = chunks.SelectMany(c => c).ToArray();
        Assert.Equal(Convert.ToHexStringLower(SHA256.HashData(document)), seal.Sha256);
        Assert.Equal(document.Length, seal.Bytes);
        Assert.Equal(RecordingStatus.Complete, seal.Status);
        var stored = await fixture.Store.GetRecordingAsync("r1");
        Assert.Equal(seal.Sha256, stored!.Sha256);
        Assert.Equal(RecordingStatus.Complete, stored.Status);

        var events = Encoding.UTF8.GetString(document).Split('\n', StringSplitOptions.RemoveEmptyEntries).Skip(1)
            .Select(l => JsonDocument.Parse(l).RootElement).ToList();
        Assert.Equal(text.ToString(), string.Concat(events.Where(e => e[1].GetString() == "o").Select(e => e[2].GetString())));
        Assert.DoesNotContain(events, e => e[1].GetString() == "i");
        Assert.Equal("100x30", events.Single(e => e[1].GetString() == "r")[2].GetString());
    }

    [Fact]
    public async Task Quiet_output_reaches_the_store_within_the_flush_interval()
    {
        await using var fixture = await StoreFixture.CreateAsync();
        var settings = SmallChunks with { FlushInterval = TimeSpan.FromMilliseconds(100) };
        await using var recorder = await SessionRecorder.StartAsync(fixture.Store, Info("r2"), null, settings, TimeProvider.System, CancellationToken.None);

        await recorder.OutputAsync("$ "u8.ToArray(), CancellationToken.None);

        var deadline = DateTime.UtcNow + TimeSpan.FromSeconds(10);
        var stored = "";
        while (!stored.Contains("\"$ \"", StringComparison.Ordinal) && DateTime.UtcNow < deadline)
        {
            await Task.Delay(50);
            var bytes = new List<byte>();
            await foreach (var chunk in fixture.Store.ReadRecordingAsync("r2"))
            {
                bytes.AddRange(chunk.ToArray());
            }
            stored = Encoding.UTF8.GetString(bytes.ToArray());
        }
        Assert.Contains("\"$ \"", stored);
        Assert.Equal(RecordingStatus.Recording, (await fixture.Store.GetRecordingAsync("r2"))!.Status);
    }

    [Fact]
    public async Task A_refused_write_fails_the_recorder_which_seals_what_was_stored_as_truncated()
    {
        await using var fixture = await StoreFixture.CreateAsync();
        var other = await fixture.OpenAnotherAsync();
        var recorder = await SessionRecorder.StartAsync(fixture.Store, Info("r3"), null, SmallChunks, TimeProvider.System, CancellationToken.None);
        await recorder.OutputAsync(new byte[5000], CancellationToken.None); // first chunk stored
        Assert.False(recorder.HasFailed);

        // Someone else writes the recorder's next chunk number: its own write is refused by the store.
        await other.AppendRecordingChunkAsync("r3", 1, "intruder\n"u8.ToArray());
        await recorder.OutputAsync(new byte[5000], CancellationToken.None);

        Assert.True(recorder.HasFailed);
        Assert.IsType<StoreConflictException>(await recorder.Failed.WaitAsync(TimeSpan.FromSeconds(5)));
        await recorder.OutputAsync("after the failure"u8.ToArray(), CancellationToken.None); // dropped, no throw
        var seal = await recorder.SealAsync();
        await recorder.DisposeAsync();

        Assert.Equal(RecordingStatus.Truncated, seal.Status);
        var first = new List<byte>();
        await foreach (var chunk in fixture.Store.ReadRecordingAsync("r3"))
        {
            first.AddRange(chunk.ToArray());
            break;
        }
        // The seal covers the chunk the recorder wrote, not the one it did not.
        Assert.Equal(Convert.ToHexStringLower(SHA256.HashData(first.ToArray())), seal.Sha256);
    }

    private static RecordingInfo Info(string id) => new(id, "session-" + id, "node-a", "alice", "127.0.0.1:50000", "web-1", "127.0.10.1:22", "root", null,
        80, 24, DateTimeOffset.UtcNow, null, 0, null, RecordingStatus.Recording);
}
