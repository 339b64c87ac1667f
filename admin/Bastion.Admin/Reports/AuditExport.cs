using System.Globalization;
using System.Text;
using System.Text.Json;
using Bastion.Core.Audit;

namespace Bastion.Admin.Reports;

/// <summary>
/// Writes a filtered range of the audit trail, newest first like the search page, as JSON lines (the same fields
/// and hashes as the trail's own JSON-lines copy) or as CSV for spreadsheets. Streams page by page, so a large
/// range never sits in memory.
/// </summary>
public static class AuditExport
{
    public const string JsonLinesContentType = "application/x-ndjson";
    public const string CsvContentType = "text/csv; charset=utf-8";

    private const int PageSize = 1000;

    private static readonly string[] CsvHeader = ["seq", "time", "severity", "type", "user", "source", "session", "target", "data", "hash"];

    /// <summary>Every record matching <paramref name="query"/> below its cursor (if any), newest first; its limit is replaced.</summary>
    public static async IAsyncEnumerable<AuditRecord> ReadAllAsync(AuditTrail trail, AuditQuery query, [System.Runtime.CompilerServices.EnumeratorCancellation] CancellationToken ct)
    {
        var before = query.BeforeSeq;
        do
        {
            var page = await trail.QueryAsync(query with { Limit = PageSize, BeforeSeq = before }, ct);
            foreach (var record in page.Events)
            {
                yield return record;
            }
            before = page.NextBeforeSeq;
        }
        while (before is not null);
    }

    public static async Task<long> WriteJsonLinesAsync(IAsyncEnumerable<AuditRecord> records, Stream output, CancellationToken ct)
    {
        long count = 0;
        using var buffer = new MemoryStream();
        await foreach (var record in records.WithCancellation(ct))
        {
            buffer.SetLength(0);
            using (var json = new Utf8JsonWriter(buffer))
            {
                WriteJson(json, record);
            }
            buffer.WriteByte((byte)'\n');
            await output.WriteAsync(buffer.GetBuffer().AsMemory(0, (int)buffer.Length), ct);
            count++;
        }
        return count;
    }

    public static async Task<long> WriteCsvAsync(IAsyncEnumerable<AuditRecord> records, Stream output, CancellationToken ct)
    {
        long count = 0;
        await using var writer = new StreamWriter(output, new UTF8Encoding(encoderShouldEmitUTF8Identifier: false), bufferSize: 16 * 1024, leaveOpen: true);
        writer.NewLine = "\r\n"; // RFC 4180
        await writer.WriteLineAsync(CsvLine(CsvHeader));
        await foreach (var record in records.WithCancellation(ct))
        {
            await writer.WriteLineAsync(CsvLine(
            [
                record.Seq.ToString(CultureInfo.InvariantCulture),
                Time(record.Timestamp),
                Severity(record.Severity),
                record.Type,
                record.User,
                record.SourceAddress,
                record.SessionId,
                record.Data.GetValueOrDefault("target"),
                JsonSerializer.Serialize(new SortedDictionary<string, string>(record.Data.ToDictionary(), StringComparer.Ordinal)),
                Convert.ToHexStringLower(record.Hash),
            ]));
            count++;
        }
        await writer.FlushAsync(ct);
        return count;
    }

    /// <summary>
    /// One CSV field: a value that a spreadsheet would run as a formula (starting with = + - @, or a tab or carriage
    /// return that some programs strip first) gets a leading apostrophe; fields with a comma, quote or line break
    /// are quoted with inner quotes doubled.
    /// </summary>
    public static string CsvField(string? value)
    {
        if (string.IsNullOrEmpty(value))
        {
            return "";
        }
        if (value[0] is '=' or '+' or '-' or '@' or '\t' or '\r')
        {
            value = "'" + value;
        }
        return value.AsSpan().IndexOfAny(",\"\r\n") >= 0 ? "\"" + value.Replace("\"", "\"\"", StringComparison.Ordinal) + "\"" : value;
    }

    public static string Time(DateTimeOffset timestamp) =>
        timestamp.UtcDateTime.ToString("yyyy-MM-dd'T'HH:mm:ss.fffffff'Z'", CultureInfo.InvariantCulture);

    public static string Severity(AuditSeverity severity) => severity.ToString().ToLowerInvariant();

    private static string CsvLine(IEnumerable<string?> fields) => string.Join(',', fields.Select(CsvField));

    private static void WriteJson(Utf8JsonWriter json, AuditRecord r)
    {
        json.WriteStartObject();
        json.WriteNumber("seq", r.Seq);
        json.WriteString("ts", Time(r.Timestamp));
        json.WriteString("type", r.Type);
        json.WriteString("severity", Severity(r.Severity));
        json.WriteString("session", r.SessionId);
        json.WriteString("user", r.User);
        json.WriteString("src", r.SourceAddress);
        json.WriteStartObject("data");
        foreach (var (key, value) in r.Data.OrderBy(kv => kv.Key, StringComparer.Ordinal))
        {
            json.WriteString(key, value);
        }
        json.WriteEndObject();
        json.WriteString("prev_hash", Convert.ToHexStringLower(r.PrevHash));
        json.WriteString("hash", Convert.ToHexStringLower(r.Hash));
        json.WriteEndObject();
    }
}
