using System.CommandLine;
using System.Globalization;
using Bastion.Core.Audit;
using static Bastion.Core.Security.TerminalText;

namespace Bastion.Gateway.Cli;

/// <summary>bastion session list|kill — the live view auditors have on the web, from a terminal.</summary>
public static class SessionCommands
{
    public static Command Build(Option<string?> data)
    {
        var command = new Command("session", "Live forwarded sessions on every gateway node");

        var list = new Command("list", "Sessions open now (refreshed by the gateways every few seconds)");
        list.SetAction((parse, ct) => CliRunner.RunAsync(parse.GetValue(data), async (context, token) =>
        {
            var sessions = await context.Store.ListLiveSessionsAsync(token);
            Console.WriteLine($"{"SESSION",-16} {"USER",-12} {"SOURCE",-22} {"TARGET",-20} {"INSTANCE",-20} {"ACCOUNT",-10} {"SINCE",-20} {"IN",10} {"OUT",10} NODE");
            foreach (var s in sessions)
            {
                Console.WriteLine(string.Create(CultureInfo.InvariantCulture,
                    $"{Visible(s.SessionId),-16} {Visible(s.UserName),-12} {Visible(s.SourceAddress),-22} {Visible(s.TargetName),-20} {Visible(s.InstanceId ?? "-"),-20} {Visible(s.Account ?? "-"),-10} {s.StartedAt:u} {s.BytesFromClient,10} {s.BytesToClient,10} {Visible(s.NodeId)}"));
            }
            Console.WriteLine($"{sessions.Count} open");
            return ExitCodes.Ok;
        }, ct));

        var sessionId = new Argument<string>("session") { Description = "SESSION column of session list" };
        var kill = new Command("kill", "Close a connection; the node holding it acts within about a second") { sessionId };
        kill.SetAction((parse, ct) => CliRunner.RunAsync(parse.GetValue(data), async (context, token) =>
        {
            var id = parse.GetValue(sessionId)!;
            if (!(await context.Store.ListLiveSessionsAsync(token)).Any(s => s.SessionId == id))
            {
                Console.Error.WriteLine($"bastion: no live session {id}; see: bastion session list");
                return ExitCodes.NotFound;
            }
            var request = await context.Store.RequestKillAsync(id, CliRunner.Actor, token);
            await context.Audit.AppendNowAsync(new AuditEvent("session.kill_requested", AuditSeverity.Warning)
            {
                SessionId = id,
                User = CliRunner.Actor,
                Data = new Dictionary<string, string> { ["request"] = request.Id.ToString(CultureInfo.InvariantCulture) },
            }, token);
            Console.WriteLine($"kill of {id} requested (#{request.Id})");
            return ExitCodes.Ok;
        }, ct));

        command.Add(list);
        command.Add(kill);
        return command;
    }
}
