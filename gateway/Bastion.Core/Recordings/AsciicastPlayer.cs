using System.Text;
using System.Text.Json;
using Bastion.Core.Store;

namespace Bastion.Core.Recordings;

/// <summary>
/// Plays a stored recording to a terminal with its timing: output events are written as they happened, pauses scaled
/// by a speed factor and capped (a coffee break is not replayed in full). Reads one chunk at a time; a line that is
/// not JSON is reported, not guessed at.
/// </summary>
public sealed class AsciicastPlayer(TimeProvider time)
{
    public async Task<AsciicastPlayback> PlayAsync(IRecordingStore store, string recordingId, Stream output, double speed, TimeSpan maxPause, CancellationToken ct)
    {
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(speed);
        var lines = new ChunkLineSplitter();
        var playback = new PlaybackState(output, speed, maxPause, time);
        await foreach (var chunk in store.ReadRecordingAsync(recordingId, ct).ConfigureAwait(false))
        {
            foreach (var line in lines.Feed(chunk))
            {
                await playback.LineAsync(line, ct).ConfigureAwait(false);
            }
        }
        if (lines.Rest() is { } last)
        {
            await playback.LineAsync(last, ct).ConfigureAwait(false);
        }
        await output.FlushAsync(ct).ConfigureAwait(false);
        return new AsciicastPlayback(playback.Events, playback.RecordedDuration);
    }

    private sealed class PlaybackState(Stream output, double speed, TimeSpan maxPause, TimeProvider time)
    {
        /// <summary>A year: an event later than that is not from a recording (and near TimeSpan's limit it cannot be played).</summary>
        private const double MaxEventSeconds = 366 * 24 * 3600;

        private bool _headerSeen;
        private double _lastAt;

        public int Events { get; private set; }

        public TimeSpan RecordedDuration => TimeSpan.FromSeconds(_lastAt);

        public async Task LineAsync(ReadOnlyMemory<byte> line, CancellationToken ct)
        {
            if (line.Span.Trim(" \r\t"u8).IsEmpty)
            {
                return;
            }
            JsonDocument json;
            try
            {
                json = JsonDocument.Parse(line);
            }
            catch (JsonException ex)
            {
                throw new InvalidDataException($"line {Events + 2} of the recording is not JSON, so it is not an asciicast v2 recording ({ex.Message})", ex);
            }
            using var _ = json;
            try
            {
                await PlayAsync(json.RootElement, ct).ConfigureAwait(false);
            }
            catch (Exception ex) when (ex is InvalidOperationException or FormatException)
            {
                // JsonElement's typed getters throw these for a value of the wrong kind (a string where a number belongs,
                // 2.5 as the version, invalid UTF-8 in a string): the document is malformed, not the player.
                throw new InvalidDataException($"line {Events + 2} of the recording is not asciicast v2 ({ex.Message})", ex);
            }
        }

        private async Task PlayAsync(JsonElement e, CancellationToken ct)
        {
            if (!_headerSeen)
            {
                _headerSeen = true;
                if (e.ValueKind != JsonValueKind.Object || !e.TryGetProperty("version", out var version) || version.GetInt32() != 2)
                {
                    throw new InvalidDataException("the recording does not start with an asciicast v2 header");
                }
                return;
            }
            if (e.ValueKind != JsonValueKind.Array || e.GetArrayLength() < 3)
            {
                throw new InvalidDataException($"event {Events + 1} is not [time, kind, data]");
            }
            var at = e[0].GetDouble();
            if (!(at <= MaxEventSeconds))
            {
                throw new InvalidDataException($"event {Events + 1} is at {at} s, later than any recording");
            }
            // Capped before it becomes a TimeSpan: at a slow speed even a legitimate gap can exceed TimeSpan's range.
            var pause = TimeSpan.FromSeconds(Math.Min(Math.Max(0, at - _lastAt) / speed, maxPause.TotalSeconds));
            _lastAt = Math.Max(_lastAt, at);
            Events++;
            if (e[1].GetString() != "o")
            {
                return;
            }
            var text = e[2].GetString() ?? "";
            if (pause > TimeSpan.Zero)
            {
                await output.FlushAsync(ct).ConfigureAwait(false);
                await Task.Delay(pause, time, ct).ConfigureAwait(false);
            }
            await output.WriteAsync(Encoding.UTF8.GetBytes(text), ct).ConfigureAwait(false);
        }
    }
}

/// <param name="Events">Events read after the header.</param>
/// <param name="RecordedDuration">Time of the last event, as recorded (not as played).</param>
public sealed record AsciicastPlayback(int Events, TimeSpan RecordedDuration);
