using System.CommandLine;
using Bastion.Core.Audit;
using Bastion.Core.Keys;
using Bastion.Core.Store;
using Bastion.Ssh.Algorithms.PublicKeys;
using static Bastion.Core.Security.TerminalText;

namespace Bastion.Gateway.Cli;

/// <summary>bastion key add|list|remove — keys are authorized_keys lines in and out.</summary>
public static class KeyCommands
{
    /// <summary>The line if the gateway can honour its options; otherwise a format error naming the option (exit 2).</summary>
    private static AuthorizedKeyLine Enrollable(AuthorizedKeyLine line, int number, DateTimeOffset now) =>
        KeyOptionRules.EnrolmentProblem(line, byAdmin: true, now) is { } problem ? throw new AuthorizedKeyFormatException(problem, number) : line;

    public static Command Build(Option<string?> data)
    {
        var command = new Command("key", "Manage users' SSH public keys");

        var user = new Argument<string>("user");
        var line = new Argument<string?>("line") { Description = "An authorized_keys line: [options] type base64 [comment]", Arity = ArgumentArity.ZeroOrOne };
        var file = new Option<string?>("--file") { Description = "Read authorized_keys lines from this file (- for stdin)" };
        var add = new Command("add", "Add keys to a user") { user, line, file };
        add.SetAction((parse, ct) => CliRunner.RunAsync(parse.GetValue(data), async (context, token) =>
        {
            var userName = parse.GetValue(user)!;
            var lines = new List<(string Text, int Number)>();
            if (parse.GetValue(line) is { } single)
            {
                lines.Add((single, 1));
            }
            else if (parse.GetValue(file) is { } path)
            {
                var text = path == "-" ? await Console.In.ReadToEndAsync(token) : await File.ReadAllTextAsync(path, token);
                lines.AddRange(text.Split('\n').Select((l, i) => (l.Trim(), i + 1)).Where(l => l.Item1.Length > 0 && !l.Item1.StartsWith('#')));
            }
            else
            {
                Console.Error.WriteLine("bastion: give an authorized_keys line or --file PATH");
                return ExitCodes.Usage;
            }
            // Every line is checked before any is added, so nothing is imported from a file with mistakes. The CLI runs
            // on the gateway host with its data directory: whoever runs it is an administrator.
            var now = context.Time.GetUtcNow();
            var parsed = lines.Select(l => Enrollable(AuthorizedKeyLine.Parse(l.Text, l.Number), l.Number, now)).ToList();
            var enroller = new KeyEnroller(CliRunner.Actor, IsAdmin: true);
            foreach (var key in parsed)
            {
                var stored = await context.Store.AddSshKeyAsync(userName, key, enroller, token);
                var fields = new Dictionary<string, string>
                {
                    ["key_type"] = stored.KeyType,
                    ["key_fingerprint"] = stored.Fingerprint,
                };
                if (stored.Options.Length > 0)
                {
                    fields["options"] = stored.Options;
                }
                await context.Audit.AppendNowAsync(UserCommands.AdminEvent(AuditEventTypes.AdminKeyAdded, userName, fields), token);
                // The line usually comes from the user (their .pub file); its comment is theirs to write.
                Console.WriteLine($"added {stored.KeyType} {stored.Fingerprint} {Visible(stored.Comment)} to {userName}");
            }
            return ExitCodes.Ok;
        }, ct));

        var listUser = new Argument<string>("user");
        var list = new Command("list", "List a user's keys") { listUser };
        list.SetAction((parse, ct) => CliRunner.RunAsync(parse.GetValue(data), async (context, token) =>
        {
            var keys = await context.Store.ListSshKeysAsync(parse.GetValue(listUser)!, token);
            foreach (var key in keys)
            {
                var lastUse = key.LastUsedAt?.ToString("u") ?? "never";
                var securityKey = SecurityKeyBlob.TryReadApplication(key.PublicKeyBlob, out var application)
                    ? $"  application {Visible(application)}  counter {key.SecurityKeyCounter?.ToString(System.Globalization.CultureInfo.InvariantCulture) ?? "none yet"}"
                    : "";
                var options = key.Options.Length > 0 ? $"  options {Visible(key.Options)}" : "";
                // Who enrolled it decides whether a waived touch (no-touch-required) counts under a security-key policy.
                var addedBy = $"  added by {(key.AddedBy is { } by ? Visible(by) : "(not recorded)")}{(key.AddedByAdmin ? " (admin)" : "")}";
                // Comment, options and a security key's application name were written by the key's owner.
                Console.WriteLine($"{Visible(key.KeyType),-36} {key.Fingerprint}{securityKey}  last used {lastUse}{addedBy}{options}  {Visible(key.Comment)}");
            }
            return ExitCodes.Ok;
        }, ct));

        var removeUser = new Argument<string>("user");
        var fingerprint = new Argument<string>("fingerprint") { Description = "SHA256:… as shown by key list" };
        var remove = new Command("remove", "Remove a key by fingerprint") { removeUser, fingerprint };
        remove.SetAction((parse, ct) => CliRunner.RunAsync(parse.GetValue(data), async (context, token) =>
        {
            var userName = parse.GetValue(removeUser)!;
            var print = parse.GetValue(fingerprint)!;
            if (!await context.Store.RemoveSshKeyAsync(userName, print, token))
            {
                Console.Error.WriteLine($"bastion: {userName} has no key {print}; see: bastion key list {userName}");
                return ExitCodes.NotFound;
            }
            await context.Audit.AppendNowAsync(UserCommands.AdminEvent(AuditEventTypes.AdminKeyRemoved, userName, new() { ["key_fingerprint"] = print }), token);
            Console.WriteLine($"removed {print} from {userName}");
            return ExitCodes.Ok;
        }, ct));

        command.Add(add);
        command.Add(list);
        command.Add(remove);
        return command;
    }
}
