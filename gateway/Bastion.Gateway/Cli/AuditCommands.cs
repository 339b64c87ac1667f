using System.CommandLine;
using Bastion.Core.Audit;

namespace Bastion.Gateway.Cli;

/// <summary>bastion audit tail|verify</summary>
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
                var fields = string.Join(" ", record.Data.OrderBy(d => d.Key, StringComparer.Ordinal).Select(d => $"{d.Key}={Quote(d.Value)}"));
                Console.WriteLine($"{record.Seq,6} {record.Timestamp:yyyy-MM-ddTHH:mm:ss.fffZ} {record.Severity.ToString().ToLowerInvariant(),-8} {record.Type,-18} user={record.User ?? "-"} src={record.SourceAddress ?? "-"} {fields}");
            }
            return ExitCodes.Ok;
        }, ct));

        var verify = new Command("verify", "Walk the hash chain; exit 1 at the first broken link");
        verify.SetAction((parse, ct) => CliRunner.RunAsync(parse.GetValue(data), async (context, token) =>
        {
            var result = await context.Audit.VerifyAsync(token);
            if (result.Ok)
            {
                Console.WriteLine($"audit chain OK: {result.EventsChecked} events verified");
                return ExitCodes.Ok;
            }
            Console.WriteLine($"audit chain BROKEN at event {result.FirstBrokenSeq}: {result.Problem} ({result.EventsChecked} events checked)");
            return ExitCodes.Failed;
        }, ct));

        command.Add(tail);
        command.Add(verify);
        return command;
    }

    private static string Quote(string value) => value.Contains(' ', StringComparison.Ordinal) || value.Length == 0 ? $"\"{value}\"" : value;
}
