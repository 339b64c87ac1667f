using System.CommandLine;
using Bastion.Core.Audit;
using Bastion.Core.Store;
using static Bastion.Core.Security.TerminalText;
using Bastion.Core.Mfa;
using Bastion.Core.Policy;

namespace Bastion.Gateway.Cli;

/// <summary>bastion group list|require-mfa|clear-mfa — groups and the MFA they require of their members.</summary>
public static class GroupCommands
{
    public static Command Build(Option<string?> data)
    {
        var command = new Command("group", "Groups (set with user add --group) and the MFA policy they require of their members");

        var list = new Command("list", "Groups with their member count and required MFA policy");
        list.SetAction((parse, ct) => CliRunner.RunAsync(parse.GetValue(data), async (context, token) =>
        {
            var users = await context.Store.ListUsersAsync(token);
            var policies = await context.Store.ListGroupMfaPoliciesAsync(token);
            Console.WriteLine($"{"GROUP",-24} {"MEMBERS",7} REQUIRED MFA");
            foreach (var summary in GroupSummary.Of(users, policies))
            {
                Console.WriteLine($"{Visible(summary.Name),-24} {summary.Members.Count,7} {Visible(summary.RequiredMfaPolicy ?? "-")}");
            }
            return ExitCodes.Ok;
        }, ct));

        var group = new Argument<string>("group") { Description = "Group name (without @)" };
        var policy = new Argument<string>("policy") { Description = $"One of: {string.Join(", ", MfaPolicies.RequirableByGroup)}" };
        var require = new Command("require-mfa", "Members must meet at least this MFA policy (a stronger policy of their own still applies)") { group, policy };
        require.SetAction((parse, ct) => CliRunner.RunAsync(parse.GetValue(data), async (context, token) =>
        {
            var name = parse.GetValue(group)!.TrimStart('@');
            var required = parse.GetValue(policy)!;
            await context.Store.SetGroupMfaPolicyAsync(name, required, token);
            await context.Audit.AppendNowAsync(UserCommands.AdminEvent(AuditEventTypes.AdminGroupChanged, "@" + name, new() { ["mfa_policy"] = required }), token);
            Console.WriteLine($"members of @{name} now need at least {required}");
            return ExitCodes.Ok;
        }, ct));

        var clearGroup = new Argument<string>("group") { Description = "Group name (without @)" };
        var clear = new Command("clear-mfa", "Members are back to their own MFA policy") { clearGroup };
        clear.SetAction((parse, ct) => CliRunner.RunAsync(parse.GetValue(data), async (context, token) =>
        {
            var name = parse.GetValue(clearGroup)!.TrimStart('@');
            if (!await context.Store.RemoveGroupMfaPolicyAsync(name, token))
            {
                Console.Error.WriteLine($"bastion: @{name} requires no MFA policy; see: bastion group list");
                return ExitCodes.NotFound;
            }
            await context.Audit.AppendNowAsync(UserCommands.AdminEvent(AuditEventTypes.AdminGroupChanged, "@" + name, new() { ["mfa_policy"] = "" }), token);
            Console.WriteLine($"@{name} no longer requires an MFA policy");
            return ExitCodes.Ok;
        }, ct));

        command.Add(list);
        command.Add(require);
        command.Add(clear);
        return command;
    }
}
