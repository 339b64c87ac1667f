using System.CommandLine;
using System.Globalization;
using System.Text;
using Bastion.Core.Audit;
using Bastion.Core.Audit.Export;

namespace Bastion.Gateway.Cli;

/// <summary>
/// bastion audit search — the auditors' search page for an on-call without a browser: filter by user, type, target,
/// session and time; oldest first; --json gives the audit.jsonl lines (hash included) for jq.
/// </summary>
public static class AuditSearchCommand
{
    public const int MaxResults = 10_000;

    public static Command Build(Option<string?> data)
    {
        var user = new Option<string?>("--user") { Description = "Events of this user" };
        var type = new Option<string?>("--type") { Description = "An event type (auth.failure) or a prefix ending in a dot (auth., alert.)" };
        var target = new Option<string?>("--target") { Description = "Events about this target name" };
        var session = new Option<string?>("--session") { Description = "Events of one connection (the session id of audit tail and the admin pages)" };
        var since = new Option<string?>("--since") { Description = "From this time on: a duration back from now (30m, 2h, 7d) or a UTC time (2026-12-06T21:00:00Z)" };
        var until = new Option<string?>("--until") { Description = "Before this time (same forms as --since)" };
        var limit = new Option<int>("-n", "--limit") { Description = $"At most this many events, the newest (1..{MaxResults})", DefaultValueFactory = _ => 200 };
        var json = new Option<bool>("--json") { Description = "One JSON object a line, as in audit.jsonl" };
        var command = new Command("search", "Find events by user, type, target, session and time; oldest first") { user, type, target, session, since, until, limit, json };
        command.SetAction((parse, ct) =>
        {
            var now = DateTimeOffset.UtcNow;
            var fromOk = TimeInput.TryParse(parse.GetValue(since), now, out var from, out var fromProblem);
            var toOk = TimeInput.TryParse(parse.GetValue(until), now, out var to, out var toProblem);
            if (!fromOk || !toOk)
            {
                Console.Error.WriteLine($"bastion: {fromProblem ?? toProblem}");
                return Task.FromResult(ExitCodes.Usage);
            }
            var wanted = parse.GetValue(limit);
            if (wanted is < 1 or > MaxResults)
            {
                Console.Error.WriteLine($"bastion: -n {wanted} is outside 1..{MaxResults}");
                return Task.FromResult(ExitCodes.Usage);
            }
            var query = new AuditQuery
            {
                User = parse.GetValue(user),
                Type = parse.GetValue(type),
                Target = parse.GetValue(target),
                SessionId = parse.GetValue(session),
                From = from,
                To = to,
                Limit = Math.Min(wanted, 1000),
            };
            return CliRunner.RunAsync(parse.GetValue(data), async (context, token) =>
            {
                var found = new List<AuditRecord>();
                while (found.Count < wanted)
                {
                    var page = await context.Audit.QueryAsync(query with { Limit = Math.Min(1000, wanted - found.Count) }, token);
                    found.AddRange(page.Events);
                    if (page.NextBeforeSeq is not { } next)
                    {
                        break;
                    }
                    query = query with { BeforeSeq = next };
                }
                found.Reverse();
                var jsonLines = new JsonLinesFormatter();
                foreach (var record in found)
                {
                    Console.WriteLine(parse.GetValue(json) ? Encoding.UTF8.GetString(jsonLines.Format(record)) : AuditCommands.Line(record));
                }
                if (!parse.GetValue(json))
                {
                    Console.Error.WriteLine(found.Count == wanted ? $"{found.Count} events (the newest {wanted}; -n for more)" : $"{found.Count} events");
                }
                return ExitCodes.Ok;
            }, ct);
        });
        return command;
    }
}
