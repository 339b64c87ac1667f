using System.CommandLine;
using Bastion.Core.Audit;
using Bastion.Core.Store;
using static Bastion.Core.Security.TerminalText;
using Bastion.Core.Inventory;

namespace Bastion.Gateway.Cli;

/// <summary>bastion target add|list|remove — the static inventory.</summary>
public static class TargetCommands
{
    public static Command Build(Option<string?> data)
    {
        var command = new Command("target", "Manage the static inventory of targets");

        var name = new Argument<string>("name") { Description = "Name users type (ssh NAME.dev)" };
        var address = new Argument<string>("address") { Description = "HOST:PORT (port defaults to 22)" };
        var account = new Option<string?>("--account") { Description = "Account alias or id, for policy and audit" };
        var tags = new Option<string[]>("--tag") { Description = "key=value (repeatable)" };
        var add = new Command("add", "Add a target") { name, address, account, tags };
        add.SetAction((parse, ct) => CliRunner.RunAsync(parse.GetValue(data), async (context, token) =>
        {
            var (host, port) = TargetInput.ParseAddress(parse.GetValue(address)!);
            var target = await context.Store.AddTargetAsync(new TargetDefinition(parse.GetValue(name)!, host)
            {
                Port = port,
                Account = parse.GetValue(account),
                Tags = TargetInput.ParseTags(parse.GetValue(tags)),
            }, token);
            await context.Audit.AppendNowAsync(UserCommands.AdminEvent(AuditEventTypes.AdminTargetChanged, target.Name, new() { ["change"] = "added", ["address"] = $"{target.Host}:{target.Port}" }), token);
            Console.WriteLine($"added target {target.Name} → {target.Host}:{target.Port}");
            return ExitCodes.Ok;
        }, ct));

        var list = new Command("list", "List targets");
        list.SetAction((parse, ct) => CliRunner.RunAsync(parse.GetValue(data), async (context, token) =>
        {
            foreach (var target in await context.Store.ListTargetsAsync(token))
            {
                // Tags and accounts may have been written by the admin web app or copied from a cloud console.
                var tagText = string.Join(",", target.Tags.Select(t => $"{Visible(t.Key)}={Visible(t.Value)}"));
                Console.WriteLine($"{Visible(target.Name),-24} {Visible(target.Host) + ":" + target.Port,-22} {Visible(target.Account ?? "-"),-12} {tagText}");
            }
            return ExitCodes.Ok;
        }, ct));

        var removeName = new Argument<string>("name");
        var remove = new Command("remove", "Remove a target") { removeName };
        remove.SetAction((parse, ct) => CliRunner.RunAsync(parse.GetValue(data), async (context, token) =>
        {
            var targetName = parse.GetValue(removeName)!;
            if (!await context.Store.DeleteTargetAsync(targetName, token))
            {
                Console.Error.WriteLine($"bastion: no target named {targetName}; see: bastion target list");
                return ExitCodes.NotFound;
            }
            await context.Audit.AppendNowAsync(UserCommands.AdminEvent(AuditEventTypes.AdminTargetChanged, targetName, new() { ["change"] = "removed" }), token);
            Console.WriteLine($"removed target {targetName}");
            return ExitCodes.Ok;
        }, ct));

        var forgetName = new Argument<string>("name") { Description = "Target name (or EC2 instance id) whose pinned host key to forget" };
        var forget = new Command("forget-host-key", "Forget the host key recorded sessions pinned for a target (after it was rebuilt); the next login pins the new one") { forgetName };
        forget.SetAction((parse, ct) => CliRunner.RunAsync(parse.GetValue(data), async (context, token) =>
        {
            var given = parse.GetValue(forgetName)!;
            // A name may stand for an instance pinned by id and by address; an address alone names its address pin.
            var subjects = new List<string> { given };
            if (System.Net.IPAddress.TryParse(given, out var address) && Core.Inventory.TargetLookup.LooksLikeAddress(given))
            {
                subjects.Add($"address:{Core.Inventory.InstanceIndex.Canonical(address)}");
            }
            if ((await context.Inventory.ResolveAsync(given, token)).Target is { } target)
            {
                subjects.Add(Relay.TargetLogin.PinSubject(target));
                if (Relay.TargetLogin.AddressPinSubject(target) is { } addressSubject)
                {
                    subjects.Add(addressSubject);
                }
            }
            var forgotten = 0;
            foreach (var subject in subjects.Distinct(StringComparer.Ordinal))
            {
                var pinned = await context.Store.GetTargetHostKeyAsync(subject, token);
                if (pinned is null || !await context.Store.RemoveTargetHostKeyAsync(subject, token))
                {
                    continue;
                }
                forgotten++;
                await context.Audit.AppendNowAsync(UserCommands.AdminEvent(AuditEventTypes.AdminTargetChanged, subject,
                    new() { ["change"] = "host key forgotten", ["fingerprint"] = pinned.Fingerprint, ["key_type"] = pinned.KeyType }), token);
                Console.WriteLine($"forgot {pinned.KeyType} {pinned.Fingerprint} for {subject}");
            }
            if (forgotten == 0)
            {
                Console.Error.WriteLine($"bastion: no host key is pinned for {given}");
                return ExitCodes.NotFound;
            }
            return ExitCodes.Ok;
        }, ct));

        command.Add(add);
        command.Add(list);
        command.Add(forget);
        command.Add(remove);
        return command;
    }
}
