using System.CommandLine;
using System.Globalization;
using System.Net;
using Bastion.Core.Inventory;
using Bastion.Core.Policy;
using Bastion.Core.Security;
using Bastion.Gateway.Hosting;
using Bastion.Gateway.Inventory;
using Bastion.Gateway.Inventory.Ec2;
using Microsoft.Extensions.Logging.Abstractions;
using static Bastion.Core.Security.TerminalText;

namespace Bastion.Gateway.Cli;

/// <summary>
/// bastion inventory list|resolve|refresh|status. Reads the snapshot the gateway saved in the store, so what this
/// prints is what connections resolve against; "refresh" reads the cloud accounts from here and saves the result.
/// Names, tags, states and errors come from the developer accounts (or their API answers), so every one of them is
/// escaped on its way to the terminal.
/// </summary>
public static class InventoryCommands
{
    public static Command Build(Option<string?> data)
    {
        var command = new Command("inventory", "Targets from the static inventory and the cloud accounts");

        var account = new Option<string?>("--account") { Description = "Only this account (alias or id)" };
        var filter = new Option<string?>("--filter") { Description = "Only targets whose name, address or instance id contains TEXT" };
        var list = new Command("list", "List every target") { account, filter };
        list.SetAction((parse, ct) => CliRunner.RunAsync(parse.GetValue(data), async (context, token) =>
        {
            var wantedAccount = parse.GetValue(account);
            var text = parse.GetValue(filter);
            var targets = (await context.Inventory.ListAsync(token))
                .Where(t => wantedAccount is null || MatchesAccount(t, wantedAccount))
                .Where(t => text is null || Contains(t, text))
                .OrderBy(t => t.Name, StringComparer.OrdinalIgnoreCase).ThenBy(t => t.Account, StringComparer.OrdinalIgnoreCase)
                .ToList();
            Console.WriteLine($"{"NAME",-24} {"ACCOUNT",-14} {"INSTANCE",-20} {"STATE",-9} {"ADDRESS",-16} SOURCE");
            foreach (var target in targets)
            {
                var instance = target.Instance;
                Console.WriteLine($"{Visible(target.Name),-24} {Visible(target.Account ?? "-"),-14} {Visible(instance?.InstanceId ?? "-"),-20} {Visible(instance?.State ?? "-"),-9} {Visible(target.Host),-16} {Visible(target.Source)}");
            }
            Console.WriteLine($"{targets.Count} targets");
            return ExitCodes.Ok;
        }, ct));

        var what = new Argument<string>("target") { Description = "NAME[.ALIAS][.SUFFIX], instance id, private DNS name or IP" };
        var asUser = new Option<string?>("--as") { Description = "Also show whether this user may reach it, and which rule decides" };
        var resolve = new Command("resolve", "Show what a name (or IP, or instance id) resolves to") { what, asUser };
        resolve.SetAction((parse, ct) => CliRunner.RunAsync(parse.GetValue(data), (context, token) => ResolveAsync(context, parse.GetValue(what)!, parse.GetValue(asUser), token), ct));

        var status = new Command("status", "Per account: last refresh, instances, stale, last error");
        status.SetAction((parse, ct) => CliRunner.RunAsync(parse.GetValue(data), async (context, token) =>
        {
            PrintStatus(context, context.InventoryState.Accounts);
            await PrintFindingsAsync(context, token);
            return ExitCodes.Ok;
        }, ct));

        var refresh = new Command("refresh", "Read every configured cloud account now and save the snapshot");
        refresh.SetAction((parse, ct) => CliRunner.RunAsync(parse.GetValue(data), (context, token) => RefreshAsync(context, token), ct));

        command.Add(list);
        command.Add(resolve);
        command.Add(refresh);
        command.Add(status);
        return command;
    }

    private static async Task<int> ResolveAsync(BastionContext context, string requested, string? userName, CancellationToken token)
    {
        var resolution = await context.Inventory.ResolveAsync(requested, token);
        if (TargetLookup.LooksLikeAddress(requested) && IPAddress.TryParse(requested, out var address))
        {
            await PrintClaimantsAsync(context, address, token);
        }
        if (resolution.Target is not { } target)
        {
            Console.WriteLine($"not resolved: {Visible(resolution.Error)}");
            return ExitCodes.NotFound;
        }
        Console.WriteLine($"{Visible(requested)} → {Visible(target.Name)} at {Visible(target.Host)}:{target.Port} (from {Visible(target.Source)})");
        if (target.Instance is { } instance)
        {
            Console.WriteLine($"  instance {Visible(instance.InstanceId)}, {Visible(instance.State)}, account {Visible(instance.AccountAlias)} ({Visible(instance.AccountId)}), {Visible(instance.Region)}, {Visible(instance.VpcId)}");
            Console.WriteLine($"  private addresses {Visible(string.Join(", ", instance.PrivateIps))}; DNS {Visible(instance.PrivateDnsName ?? "-")}; data as of {instance.DataAsOf?.ToString("u", CultureInfo.InvariantCulture) ?? "unknown"}");
        }
        foreach (var (key, value) in target.Tags.OrderBy(t => t.Key, StringComparer.Ordinal))
        {
            Console.WriteLine($"  tag {Visible(key)}={Visible(value)}");
        }
        if (userName is not null)
        {
            var user = await context.Store.GetUserAsync(userName, token);
            if (user is null)
            {
                Console.Error.WriteLine($"bastion: no user named {userName}");
                return ExitCodes.NotFound;
            }
            var decision = (await AccessPolicy.LoadAsync(context.Store, token)).Evaluate(user, target);
            Console.WriteLine($"  {Visible(user.Name)}: {(decision.Allowed ? "ALLOWED" : "DENIED")} — {Visible(decision.Reason)}");
        }
        return ExitCodes.Ok;
    }

    /// <summary>Who claims an address: one owner ("belongs to"), or every claimant of a conflict, refused instances included.</summary>
    private static async Task PrintClaimantsAsync(BastionContext context, IPAddress address, CancellationToken token)
    {
        var canonical = InstanceIndex.Canonical(address);
        var index = context.InventoryState.Index;
        var statics = (await new StaticInventory(context.Store).ListAsync(token)).Where(t =>
            TargetLookup.LooksLikeAddress(t.Host) && IPAddress.TryParse(t.Host, out var host) && InstanceIndex.Canonical(host) == canonical).ToList();
        var claimants = statics.Concat(index.ClaimantsOf(canonical)).ToList();
        if (claimants.Count == 1 && (claimants[0].Instance is null || index.IsTarget(claimants[0])))
        {
            Console.WriteLine($"{canonical} belongs to {TerminalText.Visible(TargetLookup.Describe(claimants[0]))}");
            return;
        }
        if (claimants.Count > 1)
        {
            Console.WriteLine($"{canonical} is claimed by {claimants.Count} owners, so it is dialled for none of them:");
        }
        foreach (var claimant in claimants)
        {
            var refused = index.Rejected.FirstOrDefault(r => ReferenceEquals(r.Instance, claimant) && !r.IsTarget);
            var note = refused is null ? "" : $" — not a target: {refused.Reason}";
            Console.WriteLine($"  {TerminalText.Visible(TargetLookup.Describe(claimant))}{TerminalText.Visible(note)}");
        }
    }

    private static async Task<int> RefreshAsync(BastionContext context, CancellationToken token)
    {
        var options = context.Options.Inventory.Ec2;
        if (!options.Enabled || options.Accounts.Count == 0)
        {
            Console.Error.WriteLine("bastion: no cloud accounts configured; set Bastion:Inventory:Ec2:Enabled=true and Bastion:Inventory:Ec2:Accounts");
            return ExitCodes.Usage;
        }
        using var fetcher = new Ec2AccountFetcher(options, context.Time, NullLogger<Ec2AccountFetcher>.Instance);
        var inventory = new Ec2Inventory(options, fetcher, context.Time, NullLogger<Ec2Inventory>.Instance);
        await inventory.RefreshNowAsync(token);
        var snapshot = inventory.Current;
        foreach (var status in snapshot.Accounts)
        {
            await context.Store.SaveInventoryAccountAsync(InventoryState.ToRecord(status), token);
        }
        context.InventoryState.Update(snapshot);
        await new InventoryFindingsPublisher(context).PublishAsync(context.InventoryState.Index, null, token);
        PrintStatus(context, context.InventoryState.Accounts);
        await PrintFindingsAsync(context, token);
        return snapshot.Accounts.Any(a => a.IsStale) ? ExitCodes.Failed : ExitCodes.Ok;
    }

    private static void PrintStatus(BastionContext context, IReadOnlyList<InventoryAccountView> accounts)
    {
        if (accounts.Count == 0)
        {
            Console.WriteLine("no cloud inventory yet (EC2 disabled, or the gateway has not refreshed)");
            return;
        }
        var now = context.Time.GetUtcNow();
        var maxStale = TimeSpan.FromSeconds(context.Options.Inventory.Ec2.MaxStaleSeconds);
        Console.WriteLine($"{"ACCOUNT",-14} {"ID",-14} {"INSTANCES",9} {"LAST REFRESH",-22} {"AGE",8} {"STALE",-6} {"RESOLVING",-9} LAST ERROR");
        foreach (var a in accounts)
        {
            var last = a.LastSuccess?.ToString("u", CultureInfo.InvariantCulture) ?? "never";
            var age = a.LastSuccess is { } success ? $"{(long)(now - success).TotalSeconds}s" : "-";
            var resolving = a.LastSuccess is { } read && now - read <= maxStale ? "yes" : "NO";
            Console.WriteLine($"{Visible(a.Alias),-14} {Visible(a.AccountId),-14} {a.InstanceCount,9} {last,-22} {age,8} {(a.IsStale ? "yes" : "no"),-6} {resolving,-9} {TerminalText.Visible(a.LastError)}");
        }
        if (accounts.Any(a => a.LastSuccess is not { } read || now - read > maxStale))
        {
            Console.WriteLine($"Accounts marked RESOLVING NO have not been read for over {(long)maxStale.TotalSeconds} s (Bastion:Inventory:Ec2:MaxStaleSeconds): their names are refused until a refresh succeeds.");
        }
    }

    /// <summary>Instances refused, addresses claimed twice, instances reachable without the bastion: what the store holds now.</summary>
    private static async Task PrintFindingsAsync(BastionContext context, CancellationToken token)
    {
        var findings = await context.Store.ListInventoryFindingsAsync(token);
        foreach (var group in findings.GroupBy(f => f.Kind))
        {
            Console.WriteLine();
            Console.WriteLine(group.Key switch
            {
                InventoryFindingKinds.InstanceRejected => $"Refused ({group.Count()}): instances that are not targets, and Name tags that are not names",
                InventoryFindingKinds.AddressConflict => $"ALERT address conflicts ({group.Count()}): addresses dialled for nobody",
                InventoryFindingKinds.SshBypass => $"ALERT reachable without the bastion ({group.Count()}): public IP with SSH open to the internet",
                _ => $"{group.Key} ({group.Count()})",
            });
            foreach (var finding in group)
            {
                Console.WriteLine($"  {TerminalText.Visible(finding.Summary)} (since {finding.FirstSeen.ToString("u", CultureInfo.InvariantCulture)})");
            }
        }
    }

    private static bool MatchesAccount(ResolvedTarget target, string account) =>
        string.Equals(target.Account, account, StringComparison.OrdinalIgnoreCase)
        || string.Equals(target.Instance?.AccountId, account, StringComparison.Ordinal);

    private static bool Contains(ResolvedTarget target, string text) =>
        target.Name.Contains(text, StringComparison.OrdinalIgnoreCase)
        || target.Host.Contains(text, StringComparison.OrdinalIgnoreCase)
        || (target.Instance?.InstanceId.Contains(text, StringComparison.OrdinalIgnoreCase) ?? false);
}
