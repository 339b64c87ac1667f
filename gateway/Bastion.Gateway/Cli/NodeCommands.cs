using System.CommandLine;
using System.Globalization;
using Bastion.Core.Store;
using static Bastion.Core.Security.TerminalText;

namespace Bastion.Gateway.Cli;

/// <summary>bastion node list — the gateway nodes sharing this store, and whether each is still beating.</summary>
public static class NodeCommands
{
    public static Command Build(Option<string?> data)
    {
        var command = new Command("node", "Gateway nodes sharing this store");
        var list = new Command("list", "Nodes with their last heartbeat; a node silent past Bastion:NodeDeadAfterSeconds is taken over by a peer");
        list.SetAction((parse, ct) => CliRunner.RunAsync(parse.GetValue(data), async (context, token) =>
        {
            var nodes = await context.Store.ListNodesAsync(token);
            var now = context.Time.GetUtcNow();
            Console.WriteLine($"{"NODE",-24} {"LISTEN",-22} {"VERSION",-12} {"STARTED",-20} {"LAST SEEN",-10} STATE");
            foreach (var node in nodes)
            {
                Console.WriteLine(string.Create(CultureInfo.InvariantCulture,
                    $"{Visible(node.NodeId),-24} {Visible(node.Listen),-22} {Visible(node.Version),-12} {node.StartedAt:u} {$"{(long)(now - node.LastSeen).TotalSeconds} s ago",-10} {State(node, now, context.Options.NodeDeadAfterSeconds)}"));
            }
            Console.WriteLine($"{nodes.Count} nodes");
            return ExitCodes.Ok;
        }, ct));
        command.Add(list);
        return command;
    }

    /// <summary>"ok", or how long the node has been silent when that is past the dead-after time.</summary>
    public static string State(GatewayNode node, DateTimeOffset now, int deadAfterSeconds)
    {
        var silent = now - node.LastSeen;
        return silent.TotalSeconds > deadAfterSeconds
            ? string.Create(CultureInfo.InvariantCulture, $"silent {(long)silent.TotalSeconds} s: dead? a running peer takes over its sessions")
            : "ok";
    }
}
