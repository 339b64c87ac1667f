using System.CommandLine;
using Bastion.Core.Audit;
using static Bastion.Core.Security.TerminalText;

namespace Bastion.Gateway.Cli;

/// <summary>bastion audit tail|search|verify</summary>
public static class AuditCommands
{
    public static Command Build(Option<string?> data)
    {
        var command = new Command("audit", "Read and verify the audit trail");

        var count = new Option<int>("-n", "--lines") { Description = "Number of events", DefaultValueFactory = _ => 20 };
        var tail = new Command("tail", "Show the latest events") { count };
        tail.SetAction((parse, ct) => CliRunner.RunAsync(parse.GetValue(data), async (context, token) =>
        {
            foreach (var record in await context.Audit.TailAsync(Math.Clamp(parse.GetValue(count), 1, 10_000), token))
            {
                Console.WriteLine(Line(record));
            }
            return ExitCodes.Ok;
        }, ct));

        var against = new Option<string[]>("--against")
        {
            Description = "Also compare with a copy shipped when the events were written (audit.jsonl, the gateway's journald lines, a Graylog JSON export; - reads stdin; " +
                "repeat it for each node's copy): shows a database rewritten with recomputed hashes, which the chain alone cannot",
        };
        var verify = new Command("verify", "Walk the hash chain; exit 1 at the first broken link") { against };
        verify.SetAction((parse, ct) => CliRunner.RunAsync(parse.GetValue(data), async (context, token) =>
        {
            var result = await context.Audit.VerifyAsync(token);
            if (!result.Ok)
            {
                Console.WriteLine($"audit chain BROKEN at event {result.FirstBrokenSeq}: {result.Problem} ({result.EventsChecked} events checked)");
                return ExitCodes.Failed;
            }
            Console.WriteLine($"audit chain OK: {result.EventsChecked} events verified");
            var worst = ExitCodes.Ok;
            foreach (var copy in parse.GetValue(against) ?? [])
            {
                var code = await CompareWithCopyAsync(context.Store, copy, token);
                worst = worst == ExitCodes.Ok ? code : worst;
            }
            return worst;
        }, ct));

        command.Add(tail);
        command.Add(AuditSearchCommand.Build(data));
        command.Add(verify);
        return command;
    }

    private static async Task<int> CompareWithCopyAsync(Bastion.Core.Store.IAuditStore store, string path, CancellationToken ct)
    {
        ShippedCopyComparison comparison;
        if (path == "-")
        {
            comparison = await ShippedAuditCopy.CompareAsync(store, Console.In, ct);
        }
        else if (!File.Exists(path))
        {
            Console.Error.WriteLine($"bastion: no file at {Path.GetFullPath(path)} to compare with");
            return ExitCodes.NotFound;
        }
        else
        {
            using var reader = new StreamReader(path);
            comparison = await ShippedAuditCopy.CompareAsync(store, reader, ct);
        }
        var name = path == "-" ? "the copy on stdin" : path;
        if (comparison.Compared == 0 && comparison.MismatchSeq is null)
        {
            Console.Error.WriteLine($"bastion: {name}: {comparison.Problem} ({comparison.Ignored} lines read)");
            return ExitCodes.Usage;
        }
        if (comparison.Matches)
        {
            Console.WriteLine($"matches {name}: {comparison.Compared} events compared (seq {comparison.FirstSeq}-{comparison.LastSeq}), {comparison.Ignored} other lines skipped");
            return ExitCodes.Ok;
        }
        Console.WriteLine($"DOES NOT MATCH {name} at event {comparison.MismatchSeq}: {comparison.Problem} ({comparison.Compared} events matched before it)");
        return ExitCodes.Failed;
    }

    /// <summary>
    /// One event as a line of <c>audit tail</c> and <c>audit search</c>. The trail holds what clients sent (user names,
    /// versions, requested hosts) and what developer accounts named things, byte for byte — the hash chain covers it —
    /// so each value is escaped here, on its way to the reader's terminal, and a newline in one cannot forge a line.
    /// </summary>
    public static string Line(AuditRecord record)
    {
        var fields = string.Join(" ", record.Data.OrderBy(d => d.Key, StringComparer.Ordinal).Select(d => $"{Visible(d.Key)}={Quote(d.Value)}"));
        var user = record.User is null ? "-" : Quote(record.User);
        return $"{record.Seq,6} {record.Timestamp:yyyy-MM-ddTHH:mm:ss.fffZ} {record.Severity.ToString().ToLowerInvariant(),-8} {Visible(record.Type),-18} user={user} src={Visible(record.SourceAddress ?? "-")} {fields}";
    }

    private static string Quote(string value)
    {
        var shown = Visible(value);
        return shown.Contains(' ', StringComparison.Ordinal) || shown.Length == 0 ? $"\"{shown}\"" : shown;
    }
}
