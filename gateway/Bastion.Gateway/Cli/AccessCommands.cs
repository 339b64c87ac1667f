using System.CommandLine;
using Bastion.Core.Audit;
using Bastion.Core.Store;
using static Bastion.Core.Security.TerminalText;
using Bastion.Core.Inventory;

namespace Bastion.Gateway.Cli;

/// <summary>bastion access allow|deny|list|remove — who may reach which targets.</summary>
public static class AccessCommands
{
    public static Command Build(Option<string?> data)
    {
        var command = new Command("access", "Manage access rules (deny wins over allow)");
        command.Add(Rule("allow", AccessEffect.Allow, data));
        command.Add(Rule("deny", AccessEffect.Deny, data));

        var list = new Command("list", "List access rules");
        list.SetAction((parse, ct) => CliRunner.RunAsync(parse.GetValue(data), async (context, token) =>
        {
            foreach (var rule in await context.Store.ListAccessRulesAsync(token))
            {
                // Rules may come from the admin web app; the tags they require are copied from the developer accounts.
                var tags = string.Join(",", rule.RequiredTags.Select(t => $"{Visible(t.Key)}={Visible(t.Value)}"));
                Console.WriteLine($"#{rule.Id,-4} {rule.Effect.ToString().ToLowerInvariant(),-5} {Visible(rule.Subject),-16} {Visible(rule.TargetPattern),-20} {tags}");
            }
            return ExitCodes.Ok;
        }, ct));
        command.Add(list);

        var id = new Argument<long>("id");
        var remove = new Command("remove", "Remove a rule by number") { id };
        remove.SetAction((parse, ct) => CliRunner.RunAsync(parse.GetValue(data), async (context, token) =>
        {
            var ruleId = parse.GetValue(id);
            if (!await context.Store.DeleteAccessRuleAsync(ruleId, token))
            {
                Console.Error.WriteLine($"bastion: no rule #{ruleId}; see: bastion access list");
                return ExitCodes.NotFound;
            }
            await context.Audit.AppendNowAsync(UserCommands.AdminEvent(AuditEventTypes.AdminRuleChanged, $"#{ruleId}", new() { ["change"] = "removed" }), token);
            Console.WriteLine($"removed rule #{ruleId}");
            return ExitCodes.Ok;
        }, ct));
        command.Add(remove);
        return command;
    }

    private static Command Rule(string verb, AccessEffect effect, Option<string?> data)
    {
        var subject = new Argument<string>("subject") { Description = "user, @group or *" };
        var pattern = new Argument<string>("pattern") { Description = "target name glob, e.g. web-* or *" };
        var tags = new Option<string[]>("--tag") { Description = "required target tag key=value (repeatable)" };
        var command = new Command(verb, $"Add an {verb} rule") { subject, pattern, tags };
        command.SetAction((parse, ct) => CliRunner.RunAsync(parse.GetValue(data), async (context, token) =>
        {
            var rule = await context.Store.AddAccessRuleAsync(new AccessRuleDefinition(parse.GetValue(subject)!, parse.GetValue(pattern)!, effect)
            {
                RequiredTags = TargetInput.ParseTags(parse.GetValue(tags)),
            }, token);
            await context.Audit.AppendNowAsync(UserCommands.AdminEvent(AuditEventTypes.AdminRuleChanged, $"#{rule.Id}", new()
            {
                ["change"] = "added",
                ["effect"] = verb,
                ["rule_subject"] = rule.Subject,
                ["pattern"] = rule.TargetPattern,
            }), token);
            Console.WriteLine($"rule #{rule.Id}: {verb} {rule.Subject} → {rule.TargetPattern}");
            return ExitCodes.Ok;
        }, ct));
        return command;
    }
}
