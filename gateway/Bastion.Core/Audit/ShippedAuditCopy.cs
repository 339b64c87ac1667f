using System.Text.Json;
using System.Text.RegularExpressions;
using Bastion.Core.Store;

namespace Bastion.Core.Audit;

/// <summary>How the store's chain compares with a copy of the events shipped when they were written.</summary>
/// <param name="Compared">Events found in both and compared by hash.</param>
/// <param name="Ignored">Lines of the copy that are not audit events (other log lines in a journal, blank lines).</param>
/// <param name="FirstSeq">The copy's lowest seq (it may start later than the store: rotation).</param>
/// <param name="LastSeq">The copy's highest seq (the store may have newer events).</param>
/// <param name="MismatchSeq">The first event that differs, when one does.</param>
public sealed record ShippedCopyComparison(long Compared, long Ignored, long? FirstSeq, long? LastSeq, long? MismatchSeq, string? Problem)
{
    public bool Matches => Problem is null && Compared > 0;
}

/// <summary>
/// Checks the store's audit chain against a copy that left the machine when the events were written: audit.jsonl,
/// the gateway's journald lines (JSON, with or without the "&lt;N&gt;" level prefix) or a Graylog export (_seq, _hash).
/// The chain alone shows an edited, deleted or inserted event, but whoever can write the database can also recompute
/// every hash after an edit; they cannot recompute a copy already in Graylog. An event whose hash differs from its
/// shipped copy is that rewrite. Reads the copy in bounded batches, so a year of events fits.
/// </summary>
public static partial class ShippedAuditCopy
{
    private const int BatchSize = 10_000;
    private const int PageSize = 1000;

    public static async Task<ShippedCopyComparison> CompareAsync(IAuditStore store, TextReader copy, CancellationToken ct = default)
    {
        ArgumentNullException.ThrowIfNull(store);
        ArgumentNullException.ThrowIfNull(copy);
        var state = new Walk();
        var batch = new List<(long Seq, string Hash)>(BatchSize);
        while (await copy.ReadLineAsync(ct).ConfigureAwait(false) is { } line)
        {
            if (TryParse(line) is { } entry)
            {
                batch.Add(entry);
            }
            else
            {
                state.Ignored++;
            }
            if (batch.Count == BatchSize)
            {
                if (await CheckBatchAsync(store, batch, state, ct).ConfigureAwait(false) is { } mismatch)
                {
                    return mismatch;
                }
                batch.Clear();
            }
        }
        return await CheckBatchAsync(store, batch, state, ct).ConfigureAwait(false)
            ?? new ShippedCopyComparison(state.Compared, state.Ignored, state.FirstSeq, state.LastSeq, null,
                state.Compared == 0 ? "the copy holds no audit events (JSON lines with seq and hash, or _seq and _hash)" : null);
    }

    private sealed class Walk
    {
        public long Compared;
        public long Ignored;
        public long? FirstSeq;
        public long? LastSeq;
        public Dictionary<long, AuditRecord> Page = [];
        public long PageFrom = 1;
        public long PageTo;
    }

    private static async Task<ShippedCopyComparison?> CheckBatchAsync(IAuditStore store, List<(long Seq, string Hash)> batch, Walk state, CancellationToken ct)
    {
        batch.Sort((a, b) => a.Seq.CompareTo(b.Seq));
        (long Seq, string Hash)? previous = null;
        foreach (var (seq, hash) in batch)
        {
            state.FirstSeq = Math.Min(state.FirstSeq ?? seq, seq);
            state.LastSeq = Math.Max(state.LastSeq ?? seq, seq);
            if (previous is { } p && p.Seq == seq)
            {
                // Shipped twice (a journal and a file): fine when it is the same event.
                if (!string.Equals(p.Hash, hash, StringComparison.Ordinal))
                {
                    return Mismatch(state, seq, $"the copy itself holds two different events {seq}; is it a mix of two installations?");
                }
                continue;
            }
            previous = (seq, hash);
            if (seq < state.PageFrom || seq > state.PageTo)
            {
                var page = await store.ReadAuditEventsAsync(seq - 1, PageSize, ct).ConfigureAwait(false);
                state.Page = page.ToDictionary(r => r.Seq);
                state.PageFrom = seq;
                state.PageTo = page.Count == 0 ? seq - 1 : page[^1].Seq;
            }
            if (!state.Page.TryGetValue(seq, out var stored))
            {
                return Mismatch(state, seq, seq > state.PageTo
                    ? $"the copy has event {seq}, the database does not: events were deleted from the database (or the copy is of another installation)"
                    : $"the database has no event {seq}, the copy has: it was deleted and the chain renumbered");
            }
            if (!string.Equals(Convert.ToHexStringLower(stored.Hash), hash, StringComparison.Ordinal))
            {
                return Mismatch(state, seq, $"event {seq} in the database ({stored.Type}) is not the event shipped when it was written (the hashes differ): " +
                    "the database was rewritten after the fact, hashes recomputed; the shipped copy is the record to trust");
            }
            state.Compared++;
        }
        return null;
    }

    private static ShippedCopyComparison Mismatch(Walk state, long seq, string problem) =>
        new(state.Compared, state.Ignored, state.FirstSeq, state.LastSeq, seq, problem);

    /// <summary>seq and lowercase hex hash of one shipped line, or null for anything else.</summary>
    internal static (long Seq, string Hash)? TryParse(string line)
    {
        var text = LevelPrefix().Replace(line.Trim(), "");
        if (!text.StartsWith('{'))
        {
            return null;
        }
        try
        {
            using var json = JsonDocument.Parse(text);
            var root = json.RootElement;
            if (root.ValueKind != JsonValueKind.Object
                || !(root.TryGetProperty("seq", out var seq) || root.TryGetProperty("_seq", out seq))
                || !(root.TryGetProperty("hash", out var hash) || root.TryGetProperty("_hash", out hash)))
            {
                return null;
            }
            long number;
            if (seq.ValueKind == JsonValueKind.Number && seq.TryGetInt64(out var n))
            {
                number = n;
            }
            else if (seq.ValueKind != JsonValueKind.String || !long.TryParse(seq.GetString(), System.Globalization.NumberStyles.None, System.Globalization.CultureInfo.InvariantCulture, out number))
            {
                return null;
            }
            var hex = hash.ValueKind == JsonValueKind.String ? hash.GetString()!.ToLowerInvariant() : "";
            return number > 0 && HexHash().IsMatch(hex) ? (number, hex) : null;
        }
        catch (JsonException)
        {
            return null;
        }
    }

    [GeneratedRegex("^<[0-7]>")]
    private static partial Regex LevelPrefix();

    [GeneratedRegex("^[0-9a-f]{64}$")]
    private static partial Regex HexHash();
}
