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

    // Found by fuzzing (fuzz/run.sh asciicast): each of these escaped as InvalidOperationException, FormatException or
    // OverflowException instead of the documented InvalidDataException for a document that is not asciicast v2.
    [Theory]
    [InlineData("{\"version\": \"2\"}\n")]
    [InlineData("{\"version\": 2.5}\n")]
    [InlineData("{\"version\": 2}\n[\"0.5\", \"o\", \"x\"]\n")]
    [InlineData("{\"version\": 2}\n[0.5, 1, \"x\"]\n")]
    [InlineData("{\"version\": 2}\n[0.5, \"o\", 7]\n")]
    public async Task A_field_of_the_wrong_type_is_reported_as_not_asciicast(string document)
    {
        await using var fixture = await StoreFixture.CreateAsync();
        await StoreAsync(fixture.Store, "play-types", document);

        await Assert.ThrowsAsync<InvalidDataException>(() =>
            new AsciicastPlayer(TimeProvider.System).PlayAsync(fixture.Store, "play-types", Stream.Null, 1, TimeSpan.Zero, CancellationToken.None));
    }

    [Theory]
    [InlineData("1e300")]
    [InlineData("1e15")]
    public async Task An_event_time_beyond_any_duration_is_reported_as_not_asciicast(string time)
    {
        await using var fixture = await StoreFixture.CreateAsync();
        await StoreAsync(fixture.Store, "play-time", "{\"version\": 2}\n[" + time + ", \"o\", \"x\"]\n");

        await Assert.ThrowsAsync<InvalidDataException>(() =>
            new AsciicastPlayer(TimeProvider.System).PlayAsync(fixture.Store, "play-time", Stream.Null, 1, TimeSpan.Zero, CancellationToken.None));
    }

    [Fact]
    public async Task Output_that_is_not_valid_utf8_is_reported_as_not_asciicast()
    {
        await using var fixture = await StoreFixture.CreateAsync();
        await StoreAsync(fixture.Store, "play-utf8", Encoding.UTF8.GetBytes("{\"version\": 2}\n[0.5, \"o\", \"")
            .Concat(new byte[] { 0xff, 0xfe }).Concat(Encoding.UTF8.GetBytes("\"]\n")).ToArray());

        await Assert.ThrowsAsync<InvalidDataException>(() =>
            new AsciicastPlayer(TimeProvider.System).PlayAsync(fixture.Store, "play-utf8", Stream.Null, 1, TimeSpan.Zero, CancellationToken.None));
    }

    private static Task StoreAsync(IBastionStore store, string id, params string[] chunks) =>
        StoreAsync(store, id, chunks.Select(Encoding.UTF8.GetBytes).ToArray());

    private static async Task StoreAsync(IBastionStore store, string id, params byte[][] chunks)
    {
        await store.CreateRecordingAsync(new RecordingInfo(id, "s-" + id, "node-a", "alice", "127.0.0.1:1", "web-1", "127.0.10.1:22", "root", null,
            80, 24, DateTimeOffset.UtcNow, null, 0, null, RecordingStatus.Recording));
        for (var i = 0; i < chunks.Length; i++)
        {
            await store.AppendRecordingChunkAsync(id, i, chunks[i]);
        }
    }
}
