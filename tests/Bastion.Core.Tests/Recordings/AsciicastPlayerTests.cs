using System.Text;
using Bastion.Core.Recordings;
using Bastion.Core.Store;
using Bastion.Core.Tests.Support;

namespace Bastion.Core.Tests.Recordings;

public sealed class AsciicastPlayerTests
{
    [Fact]
    public async Task Output_events_are_played_in_order_with_lines_split_across_chunks_joined()
    {
        await using var fixture = await StoreFixture.CreateAsync();
        await StoreAsync(fixture.Store, "play-1",
            "{\"version\": 2, \"width\": 80, \"height\": 24, \"timestamp\": 1}\n[0.5, \"o\", \"hello \"]\n[0.7, \"i\", \"typed\"]\n[1.0, \"r\", \"100x30\"]\n[100.25, \"o\", \"w",
            "örld\\r\\n\"]\n");
        using var output = new MemoryStream();

        var played = await new AsciicastPlayer(TimeProvider.System).PlayAsync(fixture.Store, "play-1", output, speed: 1, maxPause: TimeSpan.Zero, CancellationToken.None);

        Assert.Equal("hello wörld\r\n", Encoding.UTF8.GetString(output.ToArray()));
        Assert.Equal(4, played.Events);
        Assert.Equal(TimeSpan.FromSeconds(100.25), played.RecordedDuration);
    }

    [Fact]
    public async Task A_document_that_is_not_asciicast_is_reported()
    {
        await using var fixture = await StoreFixture.CreateAsync();
        await StoreAsync(fixture.Store, "play-2", "just some text\n");

        await Assert.ThrowsAsync<InvalidDataException>(() =>
            new AsciicastPlayer(TimeProvider.System).PlayAsync(fixture.Store, "play-2", Stream.Null, 1, TimeSpan.Zero, CancellationToken.None));
    }

    private static async Task StoreAsync(IBastionStore store, string id, params string[] chunks)
    {
        await store.CreateRecordingAsync(new RecordingInfo(id, "s-" + id, "node-a", "alice", "127.0.0.1:1", "web-1", "127.0.10.1:22", "root", null,
            80, 24, DateTimeOffset.UtcNow, null, 0, null, RecordingStatus.Recording));
        for (var i = 0; i < chunks.Length; i++)
        {
            await store.AppendRecordingChunkAsync(id, i, Encoding.UTF8.GetBytes(chunks[i]));
        }
    }
}
