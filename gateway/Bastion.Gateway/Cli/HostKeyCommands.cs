using System.CommandLine;
using Bastion.Hosting.ClientSetup;
using Bastion.Ssh.Algorithms.HostKeys;

namespace Bastion.Gateway.Cli;

/// <summary>bastion hostkey show — fingerprints and the known_hosts line users should pin.</summary>
public static class HostKeyCommands
{
    public static Command Build(Option<string?> data)
    {
        var command = new Command("hostkey", "Show the gateway's host keys");
        var show = new Command("show", "Print fingerprints and a known_hosts line (generates the key if missing)");
        show.SetAction((parse, ct) => CliRunner.RunAsync(parse.GetValue(data), async (context, token) =>
        {
            var nodes = GatewayAddress.Live(await context.Store.ListNodesAsync(token), context.Options, context.Time.GetUtcNow());
            var pattern = GatewayAddress.For(context.Options.Ssh, nodes, null).KnownHostsName;
            foreach (var path in context.Paths.HostKeys)
            {
                using var key = HostKeyFile.LoadOrCreate(path);
                Console.WriteLine($"{key.KeyType} {key.Fingerprint} {path}");
                Console.WriteLine($"known_hosts: {pattern} {HostKeyFile.FormatPublicKeyLine(key)}");
            }
            return ExitCodes.Ok;
        }, ct));
        command.Add(show);
        return command;
    }
}
