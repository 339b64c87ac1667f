using System.Diagnostics;
using System.Globalization;
using System.Text.RegularExpressions;

namespace Bastion.Gateway.Tests.Infrastructure;

/// <summary>One line of <c>bastion audit tail</c>: "SEQ TIMESTAMP SEVERITY TYPE user=U src=S key=value key="v w" …".</summary>
public sealed record AuditLine(long Seq, string Severity, string Type, string User, string Source, IReadOnlyDictionary<string, string> Data, string Text)
{
    /// <summary>A data field, or null.</summary>
    public string? this[string key] => Data.GetValueOrDefault(key);

    /// <summary>The source address without the port ("127.0.20.5" of "127.0.20.5:41234").</summary>
    public string SourceAddress => Source.LastIndexOf(':') is var i and > 0 ? Source[..i] : Source;

    /// <inheritdoc />
    public override string ToString() => Text;
}

/// <summary>
/// Reads the audit trail through the real CLI (<c>bastion --data DIR audit tail -n N</c>) and parses its lines.
/// The gateway appends events from a background queue, so tests poll with <see cref="WaitForAsync"/> (bounded).
/// </summary>
public static partial class AuditTail
{
    /// <summary>Runs <c>audit tail -n <paramref name="count"/></c> and parses every line.</summary>
    public static async Task<IReadOnlyList<AuditLine>> ReadAsync(string dataDirectory, int count = 2000)
    {
        var result = await GatewayCli.RunCheckedAsync(dataDirectory, "audit", "tail", "-n", count.ToString(CultureInfo.InvariantCulture)).ConfigureAwait(false);
        return Parse(result.StandardOutput);
    }

    /// <summary>Parses the output of <c>audit tail</c> (lines that do not look like events are ignored).</summary>
    public static IReadOnlyList<AuditLine> Parse(string output)
    {
        var lines = new List<AuditLine>();
        foreach (var raw in output.Split('\n'))
        {
            var m = LineRegex().Match(raw.TrimEnd('\r'));
            if (!m.Success)
            {
                continue;
            }

            var data = new Dictionary<string, string>(StringComparer.Ordinal);
            foreach (Match f in FieldRegex().Matches(m.Groups["rest"].Value))
            {
                var v = f.Groups["v"].Value;
                data[f.Groups["k"].Value] = v.Length >= 2 && v[0] == '"' && v[^1] == '"' ? v[1..^1] : v;
            }

            lines.Add(new AuditLine(
                long.Parse(m.Groups["seq"].Value, CultureInfo.InvariantCulture),
                m.Groups["sev"].Value,
                m.Groups["type"].Value,
                m.Groups["user"].Value,
                m.Groups["src"].Value,
                data,
                raw));
        }

        return lines;
    }

    /// <summary>
    /// Polls <c>audit tail</c> (every 250 ms, bounded by <paramref name="timeout"/>, default 20 s) until
    /// <paramref name="predicate"/> holds for the parsed lines; returns them. Throws with the last tail on timeout.
    /// </summary>
    public static async Task<IReadOnlyList<AuditLine>> WaitForAsync(
        string dataDirectory, Func<IReadOnlyList<AuditLine>, bool> predicate, string what, TimeSpan? timeout = null, int count = 2000)
    {
        var limit = timeout ?? TimeSpan.FromSeconds(20);
        var sw = Stopwatch.StartNew();
        while (true)
        {
            var lines = await ReadAsync(dataDirectory, count).ConfigureAwait(false);
            if (predicate(lines))
            {
                return lines;
            }

            if (sw.Elapsed > limit)
            {
                throw new TimeoutException(
                    $"audit trail did not show {what} within {limit.TotalSeconds} s. Last {lines.Count} events:\n" +
                    string.Join('\n', lines.Select(l => l.Text)));
            }

            await Task.Delay(250).ConfigureAwait(false);
        }
    }

    [GeneratedRegex(@"^\s*(?<seq>\d+) (?<ts>\S+) (?<sev>\S+)\s+(?<type>\S+)\s+user=(?<user>\S+) src=(?<src>\S+)(?<rest>.*)$")]
    private static partial Regex LineRegex();

    [GeneratedRegex(@"(?<k>[A-Za-z0-9_.\-]+)=(?<v>""[^""]*""|\S*)")]
    private static partial Regex FieldRegex();
}
