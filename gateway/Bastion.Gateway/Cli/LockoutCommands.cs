using System.CommandLine;
using System.Globalization;
using System.Net;
using Bastion.Core.Security;
using static Bastion.Core.Security.TerminalText;

namespace Bastion.Gateway.Cli;

/// <summary>
/// bastion lockout list | clear — the lockouts in force (they live in the store, so one command sees every node's) and
/// lifting one, for the user an attacker locked out or the office behind an address a broken script locked out.
/// </summary>
public static class LockoutCommands
{
    public static Command Build(Option<string?> data)
    {
        var command = new Command("lockout", "Users and addresses locked out after failed logins");
        command.Add(List(data));
        command.Add(Clear(data));
        return command;
    }

    private static Command List(Option<string?> data)
    {
        var list = new Command("list", "Lockouts in force, on every node sharing this store");
        list.SetAction((parse, ct) => CliRunner.RunAsync(parse.GetValue(data), async (context, token) =>
        {
            var now = context.Time.GetUtcNow();
            var lockouts = await context.Store.ListAuthLockoutsAsync(now, token);
            Console.WriteLine($"{"LOCKED OUT",-44} {"UNTIL",-20} {"LEFT",-8} IN A ROW");
            foreach (var lockout in lockouts)
            {
                var left = lockout.LockedUntil - now;
                Console.WriteLine(string.Create(CultureInfo.InvariantCulture,
                    $"{Visible(lockout.Subject),-44} {lockout.LockedUntil:u} {$"{Math.Ceiling(left.TotalMinutes)} min",-8} {lockout.Lockouts}"));
            }
            Console.WriteLine($"{lockouts.Count} lockouts");
            return ExitCodes.Ok;
        }, ct));
        return list;
    }

    private static Command Clear(Option<string?> data)
    {
        var user = new Argument<string?>("user") { Description = "The user name to let in again", Arity = ArgumentArity.ZeroOrOne };
        var address = new Option<string?>("--address") { Description = "An address to let in again instead (IPv6: its whole /64)" };
        var clear = new Command("clear", "Lift a lockout and forget the failures behind it (nodes that saw it stop refusing within a minute)") { user, address };
        clear.SetAction((parse, ct) => CliRunner.RunAsync(parse.GetValue(data), async (context, token) =>
        {
            var name = parse.GetValue(user);
            var addressText = parse.GetValue(address);
            if ((name is null) == (addressText is null))
            {
                Console.Error.WriteLine("name a user (bastion lockout clear alice) or an address (bastion lockout clear --address 203.0.113.7), not both");
                return ExitCodes.Usage;
            }
            string subject;
            if (addressText is not null)
            {
                if (!IPAddress.TryParse(addressText, out var parsed))
                {
                    Console.Error.WriteLine($"\"{Visible(addressText)}\" is not an IP address; write it as 203.0.113.7 or 2001:db8::1");
                    return ExitCodes.Usage;
                }
                subject = LoginSubjects.Address(parsed);
            }
            else
            {
                subject = LoginSubjects.User(name)!;
            }
            if (!await context.Store.ClearAuthFailuresAsync(subject, token))
            {
                Console.Error.WriteLine($"{Visible(subject)} has no failures on record; bastion lockout list shows who is locked out");
                return ExitCodes.NotFound;
            }
            await context.Audit.AppendNowAsync(UserCommands.AdminEvent("admin.lockout.cleared", subject, []), token);
            Console.WriteLine($"cleared {Visible(subject)}");
            return ExitCodes.Ok;
        }, ct));
        return clear;
    }
}
