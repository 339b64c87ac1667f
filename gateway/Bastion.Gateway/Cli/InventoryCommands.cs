using System.CommandLine;
using System.Globalization;
using System.Net;
using Bastion.Core.Inventory;
using Bastion.Core.Policy;
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
        status.SetAction((parse, ct) => CliRunner.RunAsync(parse.GetValue(data), (context, token) =>
        {
            PrintStatus(context, context.InventoryState.Accounts);
            return Task.FromResult(ExitCodes.Ok);
        }, ct));

        var refresh = new Command("refresh", "Read every configured cloud account now and save the snapshot");
        refresh.SetAction((parse, ct) => CliRunner.RunAsync(parse.GetValue(data), (context, token) => RefreshAsync(context, token), ct));

        command.Add(list);
        command.Add(resolve);
        command.Add(refresh);
        command.Add(status);
        return command;
    }

    private static async Task<int> ResolveAsync(GatewayContext context, string requested, string? userName, CancellationToken token)
    {
        var resolution = await context.Inventory.ResolveAsync(requested, token);
        if (IPAddress.TryParse(requested, out var address) && context.InventoryState.Index.ByAddress(address) is { } owner)
        {
            Console.WriteLine($"{address} belongs to {Visible(owner.Name)} ({Visible(owner.Instance!.InstanceId)} in {Visible(owner.Instance.AccountAlias)})");
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

    private static async Task<int> RefreshAsync(GatewayContext context, CancellationToken token)
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
        PrintStatus(context, context.InventoryState.Accounts);
        return snapshot.Accounts.Any(a => a.IsStale) ? ExitCodes.Failed : ExitCodes.Ok;
    }

    private static void PrintStatus(GatewayContext context, IReadOnlyList<InventoryAccountView> accounts)
    {
        if (accounts.Count == 0)
        {
            Console.WriteLine("no cloud inventory yet (EC2 disabled, or the gateway has not refreshed)");
            return;
        }
        var now = context.Time.GetUtcNow();
        Console.WriteLine($"{"ACCOUNT",-14} {"ID",-14} {"INSTANCES",9} {"LAST REFRESH",-22} {"AGE",8} {"STALE",-6} LAST ERROR");
        foreach (var a in accounts)
        {
            var last = a.LastSuccess?.ToString("u", CultureInfo.InvariantCulture) ?? "never";
            var age = a.LastSuccess is { } success ? $"{(long)(now - success).TotalSeconds}s" : "-";
            Console.WriteLine($"{Visible(a.Alias),-14} {Visible(a.AccountId),-14} {a.InstanceCount,9} {last,-22} {age,8} {(a.IsStale ? "yes" : "no"),-6} {Visible(a.LastError)}");
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
