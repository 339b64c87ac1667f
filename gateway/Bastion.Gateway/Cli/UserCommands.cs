using System.CommandLine;
using Bastion.Core.Audit;
using Bastion.Core.Mfa;
using Bastion.Core.Store;
using static Bastion.Core.Security.TerminalText;

namespace Bastion.Gateway.Cli;

/// <summary>bastion user add|list|set|invite|disable|enable</summary>
public static class UserCommands
{
    public static Command Build(Option<string?> data)
    {
        var command = new Command("user", "Manage users");

        var name = new Argument<string>("name") { Description = "User name (lowercase, as typed in ssh user@...)" };
        var automation = new Option<bool>("--automation") { Description = "Automation account: may log in with a key alone (flagged in the audit trail)" };
        var groups = new Option<string[]>("--group") { Description = "Group membership (repeatable)", AllowMultipleArgumentsPerToken = false };
        var roles = new Option<string[]>("--role") { Description = $"Admin web role (repeatable): {string.Join(", ", AdminRoles.All)}; default {AdminRoles.User}. Given: also prints a one-time invite link", AllowMultipleArgumentsPerToken = false };
        var add = new Command("add", "Add a user; with --role, also print a one-time invite link for the admin web app") { name, automation, groups, roles };
        add.SetAction((parse, ct) => CliRunner.RunAsync(parse.GetValue(data), async (context, token) =>
        {
            var isAutomation = parse.GetValue(automation);
            var requestedRoles = parse.GetValue(roles) ?? [];
            if (isAutomation && requestedRoles.Length > 0)
            {
                Console.Error.WriteLine("bastion: automation accounts cannot hold admin web roles; drop --role or --automation");
                return ExitCodes.Usage;
            }
            foreach (var role in requestedRoles)
            {
                AdminRoles.EnsureValid(role);
            }
            var user = await context.Store.AddUserAsync(new NewUser(parse.GetValue(name)!)
            {
                Groups = parse.GetValue(groups) ?? [],
                IsAutomation = isAutomation,
                MfaPolicy = isAutomation ? MfaPolicies.KeyOnly : MfaPolicies.Default,
            }, token);
            // People get web roles (default: user); automation accounts get none. Recorded in the same event.
            var granted = isAutomation ? [] : requestedRoles.Length > 0 ? requestedRoles.Distinct().Order(StringComparer.Ordinal).ToArray() : new[] { AdminRoles.User };
            if (granted.Length > 0)
            {
                await context.Store.SetRolesAsync(user.Id, granted, token);
            }
            await context.Audit.AppendNowAsync(AdminEvent(AuditEventTypes.AdminUserAdded, user.Name, new() { ["mfa_policy"] = user.MfaPolicy, ["automation"] = isAutomation ? "true" : "false", ["roles"] = string.Join(",", granted) }), token);
            Console.WriteLine($"added user {user.Name} (MFA policy {user.MfaPolicy})");
            Console.WriteLine($"next: bastion key add {user.Name} \"<their ~/.ssh/id_ed25519.pub line>\"");
            if (!isAutomation)
            {
                // A group may already require more than the default policy; the hint follows the one in force.
                var (policy, requiredBy) = MfaPolicies.Effective(user, await context.Store.ListGroupMfaPoliciesAsync(token));
                Console.WriteLine($"then: {MfaPolicies.EnrolmentHint(policy, user.Name)}" + (requiredBy is null ? "" : $"   (MFA policy {policy}, required by group @{requiredBy})"));
                if (requestedRoles.Length > 0)
                {
                    await PrintInviteAsync(context, user, token);
                }
                else
                {
                    Console.WriteLine($"admin web: bastion user invite {user.Name} prints a one-time link to register a security key");
                }
            }
            return ExitCodes.Ok;
        }, ct));

        var list = new Command("list", "List users");
        list.SetAction((parse, ct) => CliRunner.RunAsync(parse.GetValue(data), async (context, token) =>
        {
            var users = await context.Store.ListUsersAsync(token);
            var groupPolicies = await context.Store.ListGroupMfaPoliciesAsync(token);
            var readiness = await LoginReadiness.MissingForAsync(context.Store, users, groupPolicies, token);
            Console.WriteLine($"{"NAME",-20} {"STATE",-9} {"MFA",-12} {"GROUPS",-20} LOGIN");
            foreach (var user in users)
            {
                var state = user.Disabled ? "disabled" : "active";
                // The policy in force: a group may require more than the user's own.
                var (policy, group) = MfaPolicies.Effective(user, groupPolicies);
                var mfa = (user.IsAutomation && group is null ? policy + "*" : policy) + (group is null ? "" : "@");
                var missing = readiness[user.Id];
                var login = user.Disabled ? "-" : missing.Count == 0 ? "ready" : "needs " + string.Join(", ", missing.Select(LoginReadiness.Label));
                // Names are validated when stored, but the rows may have been written by another version or tool.
                Console.WriteLine($"{Visible(user.Name),-20} {state,-9} {Visible(mfa),-12} {Visible(string.Join(",", user.Groups)),-20} {login}");
            }
            if (users.Any(u => MfaPolicies.Effective(u, groupPolicies).Group is not null))
            {
                Console.WriteLine("@ required by a group (bastion group list)");
            }
            if (users.Any(u => u.IsAutomation))
            {
                Console.WriteLine("* automation account: logs in with a key alone");
            }
            return ExitCodes.Ok;
        }, ct));

        var setName = new Argument<string>("name");
        var mfa = new Option<string?>("--mfa") { Description = $"MFA policy: {string.Join(", ", MfaPolicies.All)}" };
        var setGroups = new Option<string[]>("--group") { Description = "Replace the user's groups with these (repeatable); not given: groups unchanged" };
        var noGroups = new Option<bool>("--no-groups") { Description = "Take the user out of every group" };
        var set = new Command("set", "Change a user's MFA policy or groups; what is not given stays as it is") { setName, mfa, setGroups, noGroups };
        set.SetAction((parse, ct) => CliRunner.RunAsync(parse.GetValue(data), async (context, token) =>
        {
            var policy = parse.GetValue(mfa);
            // An option that was not typed must not read as "replace with nothing": the parser hands back an empty
            // array either way, so whether --group was given is asked of the parse result itself.
            var groupsGiven = parse.GetResult(setGroups) is { Implicit: false };
            var clear = parse.GetValue(noGroups);
            if (groupsGiven && clear)
            {
                Console.Error.WriteLine("bastion: give either --group G (repeatable) or --no-groups, not both");
                return ExitCodes.Usage;
            }
            string[]? newGroups = clear ? [] : groupsGiven ? parse.GetValue(setGroups) ?? [] : null;
            if (policy is null && newGroups is null)
            {
                Console.Error.WriteLine("bastion: nothing to change; give --mfa POLICY, --group G or --no-groups");
                return ExitCodes.Usage;
            }
            var user = await context.Store.UpdateUserAsync(parse.GetValue(setName)!, new UserChanges { MfaPolicy = policy, Groups = newGroups }, token);
            var changes = new Dictionary<string, string> { ["mfa_policy"] = user.MfaPolicy, ["groups"] = string.Join(",", user.Groups) };
            await context.Audit.AppendNowAsync(AdminEvent(AuditEventTypes.AdminUserChanged, user.Name, changes), token);
            Console.WriteLine($"user {user.Name}: MFA policy {user.MfaPolicy}, groups [{string.Join(",", user.Groups)}]");
            return ExitCodes.Ok;
        }, ct));

        command.Add(add);
        command.Add(list);
        command.Add(set);
        command.Add(Invite(data));
        command.Add(SetDisabled("disable", true, data));
        command.Add(SetDisabled("enable", false, data));
        return command;
    }

    private static Command SetDisabled(string verb, bool disabled, Option<string?> data)
    {
        var name = new Argument<string>("name");
        var command = new Command(verb, disabled ? "Disable a user: new logins are refused" : "Re-enable a disabled user") { name };
        command.SetAction((parse, ct) => CliRunner.RunAsync(parse.GetValue(data), async (context, token) =>
        {
            var user = await context.Store.UpdateUserAsync(parse.GetValue(name)!, new UserChanges { Disabled = disabled }, token);
            await context.Audit.AppendNowAsync(AdminEvent(AuditEventTypes.AdminUserChanged, user.Name, new() { ["disabled"] = disabled ? "true" : "false" }), token);
            Console.WriteLine($"{verb}d user {user.Name}");
            return ExitCodes.Ok;
        }, ct));
        return command;
    }

    private static Command Invite(Option<string?> data)
    {
        var name = new Argument<string>("name");
        var command = new Command("invite", "Print a new one-time link where the user registers a security key for the admin web app (earlier unused links stop working)") { name };
        command.SetAction((parse, ct) => CliRunner.RunAsync(parse.GetValue(data), async (context, token) =>
        {
            var user = await context.Store.GetUserAsync(parse.GetValue(name)!, token)
                       ?? throw new EntityNotFoundException($"no user named \"{parse.GetValue(name)}\"; add the user first (bastion user add NAME --role user)");
            await PrintInviteAsync(context, user, token);
            return ExitCodes.Ok;
        }, ct));
        return command;
    }

    private static async Task PrintInviteAsync(BastionContext context, User user, CancellationToken token)
    {
        var lifetime = TimeSpan.FromHours(Math.Max(1, context.Options.Admin.InviteLifetimeHours));
        var (inviteToken, invite) = await InviteTokens.IssueAsync(context.Store, user, lifetime, context.Time.GetUtcNow(), CliRunner.Actor, token);
        await context.Audit.AppendNowAsync(AdminEvent("admin.invite.created", user.Name, new() { ["expires_at"] = invite.ExpiresAt.ToString("O") }), token);
        Console.WriteLine($"invite link for {user.Name} (single use, expires {invite.ExpiresAt:yyyy-MM-dd HH:mm} UTC):");
        Console.WriteLine(InviteTokens.Url(context.Options.Admin.PublicUrl, inviteToken));
        if (context.Options.Admin.PublicUrl == new AdminOptions().PublicUrl)
        {
            // The default only works on this host; the admin app may well be configured elsewhere (its own unit's
            // command line), which the CLI cannot see.
            Console.Error.WriteLine(
                "bastion: Bastion:Admin:PublicUrl is not set, so the link points at this host only. Set it where every Bastion " +
                "process reads it: \"Bastion\": { \"Admin\": { \"PublicUrl\": \"https://…\" } } in /etc/bastion/bastion.json " +
                "(or the file BASTION_CONFIG names), then issue a new link with: bastion user invite NAME");
        }
    }

    internal static AuditEvent AdminEvent(string type, string subject, Dictionary<string, string> data)
    {
        data["subject"] = subject;
        data["actor"] = CliRunner.Actor;
        return new AuditEvent(type, AuditSeverity.Notice) { User = CliRunner.Actor, Data = data };
    }
}
