using System.Diagnostics;
using System.Globalization;
using Bastion.Core.Mfa;
using Bastion.Core.Store;
using Bastion.Gateway.Hosting;
using static Bastion.Core.Security.TerminalText;

namespace Bastion.Gateway.Doctor;

/// <summary>What the store says: reachable, audit chain intact, inventory fresh, users able to log in, someone able to administer.</summary>
public static class StoreChecks
{
    private const int NamesShown = 10;

    public static async Task<DoctorFinding> StoreAsync(BastionContext context, CancellationToken ct)
    {
        var store = context.Options.Store;
        var where = !store.IsPostgres ? $"sqlite {context.Paths.Database}"
            : string.IsNullOrWhiteSpace(store.ConnectionString) ? $"postgres (connection string in {store.ConnectionStringFile})"
            : "postgres (connection string in the configuration)";
        var timer = Stopwatch.StartNew();
        var users = await context.Store.ListUsersAsync(ct).ConfigureAwait(false);
        if (context.Store.SchemaNotice is { } newer)
        {
            return DoctorFinding.Warn("store", $"{where}, {users.Count} users: {newer}");
        }
        return DoctorFinding.Ok("store", $"{where}, schema current, {users.Count} users, answered in {timer.Elapsed.TotalMilliseconds:0} ms");
    }

    public static async Task<DoctorFinding> AuditAsync(BastionContext context, CancellationToken ct)
    {
        const string check = "audit";
        var timer = Stopwatch.StartNew();
        var verification = await context.Audit.VerifyAsync(ct).ConfigureAwait(false);
        if (!verification.Ok)
        {
            return DoctorFinding.Fail(check, $"chain BROKEN at event {verification.FirstBrokenSeq}: {verification.Problem}. Keep the database as evidence (copy it before anything else writes) and compare with the exported copy (journald/Graylog)");
        }
        var last = (await context.Audit.TailAsync(1, ct).ConfigureAwait(false)).FirstOrDefault();
        var lastText = last is null ? "no events yet" : $"last event #{last.Seq} {last.Type} at {last.Timestamp:yyyy-MM-dd HH:mm:ss} UTC";
        return DoctorFinding.Ok(check, $"chain intact, {verification.EventsChecked} events verified in {timer.Elapsed.TotalSeconds:0.0} s; {lastText}");
    }

    public static async Task<DoctorFinding?> InventoryAsync(BastionContext context, CancellationToken ct)
    {
        const string check = "inventory";
        var ec2 = context.Options.Inventory.Ec2;
        if (!ec2.Enabled)
        {
            return null;
        }
        var accounts = await context.Store.ListInventoryAccountsAsync(ct).ConfigureAwait(false);
        var now = context.Time.GetUtcNow();
        var configured = ec2.Accounts.Select(a => a.Id).ToHashSet(StringComparer.Ordinal);
        var seen = accounts.Where(a => configured.Contains(a.AccountId)).ToList();
        var neverSeen = ec2.Accounts.Where(a => !seen.Any(s => s.AccountId == a.Id)).Select(a => a.Alias).ToList();
        var maxStale = TimeSpan.FromSeconds(ec2.MaxStaleSeconds);
        var tooOld = seen.Where(a => a.LastSuccess is not { } success || now - success > maxStale).ToList();
        if (tooOld.Count > 0)
        {
            var worst = tooOld.OrderBy(a => a.LastSuccess ?? DateTimeOffset.MinValue).First();
            var lastRead = worst.LastSuccess is { } at ? $"last read {(long)(now - at).TotalSeconds} s ago" : "never read";
            return DoctorFinding.Fail(check,
                $"{tooOld.Count} of {ec2.Accounts.Count} accounts not resolving ({Names(tooOld.Select(a => a.Alias))}): their instance lists are older than " +
                $"{ec2.MaxStaleSeconds} s (Bastion:Inventory:Ec2:MaxStaleSeconds); {worst.Alias} {lastRead}: {worst.LastError ?? "no error recorded (is a gateway refreshing?)"}. " +
                "Fix the role or network (bastion inventory status), then: bastion inventory refresh");
        }
        var stale = seen.Where(a => a.ConsecutiveFailures > 0).ToList();
        if (stale.Count > 0)
        {
            var worst = stale.OrderByDescending(a => a.ConsecutiveFailures).First();
            // The last error may quote what the cloud endpoint answered.
            return DoctorFinding.Warn(check, $"{stale.Count} of {ec2.Accounts.Count} accounts stale ({Names(stale.Select(a => a.Alias))}); {Visible(worst.Alias)} failed {worst.ConsecutiveFailures} times in a row: {Visible(worst.LastError)}");
        }
        if (neverSeen.Count > 0)
        {
            return DoctorFinding.Warn(check, $"never refreshed: {Names(neverSeen)}; the gateway refreshes at start (is it running?), or run: bastion inventory refresh");
        }
        var oldest = seen.Min(a => a.LastSuccess);
        var age = oldest is { } t ? $"oldest refresh {(long)(now - t).TotalSeconds} s ago" : "no successful refresh yet";
        var findings = await context.Store.ListInventoryFindingsAsync(ct).ConfigureAwait(false);
        var summary = $"{seen.Count} accounts, {seen.Sum(a => a.InstanceCount)} instances, {age}";
        var problems = new List<string>();
        var alerts = findings.Where(f => f.Kind != Core.Inventory.InventoryFindingKinds.InstanceRejected).ToList();
        if (alerts.Count > 0)
        {
            problems.Add($"{alerts.Count} open alerts ({string.Join(", ", alerts.GroupBy(f => f.Kind).Select(g => $"{g.Count()} {g.Key}"))})");
        }
        var refused = findings.Where(f => f.Kind == Core.Inventory.InventoryFindingKinds.InstanceRejected).ToList();
        // Instances that are not targets at all point at a wrong range or someone probing one; a refused Name tag only
        // costs its owner the name, so it is counted, not warned about.
        var notTargets = refused.Where(f => f.Data.GetValueOrDefault("still_a_target") == "false").ToList();
        if (notTargets.Count > 0)
        {
            var shown = string.Join("; ", notTargets.Take(3).Select(f => Visible(f.Summary)));
            problems.Add($"{notTargets.Count} instances are not targets (outside their account's Cidrs or in a protected range): {shown}{(notTargets.Count > 3 ? "; …" : "")}");
        }
        if (problems.Count > 0)
        {
            return DoctorFinding.Warn(check, $"{summary}; {string.Join("; ", problems)} (bastion inventory status)");
        }
        var refusedText = refused.Count > 0 ? $"; {refused.Count} Name tags refused as names (bastion inventory status)" : "";
        return DoctorFinding.Ok(check, summary + refusedText);
    }

    /// <summary>Enabled users whose enrolment does not meet the policy in force: they cannot log in yet.</summary>
    public static async Task<DoctorFinding> UsersAsync(BastionContext context, CancellationToken ct)
    {
        const string check = "users";
        var store = context.Store;
        var users = (await store.ListUsersAsync(ct).ConfigureAwait(false)).Where(u => !u.Disabled).ToList();
        if (users.Count == 0)
        {
            return DoctorFinding.Warn(check, "no users yet: bastion user add NAME --role admin (prints an invite link for the admin app)");
        }
        var groupPolicies = await store.ListGroupMfaPoliciesAsync(ct).ConfigureAwait(false);
        var blocked = new List<string>();
        var readiness = await LoginReadiness.MissingForAsync(store, users, groupPolicies, ct).ConfigureAwait(false);
        foreach (var user in users)
        {
            var missing = readiness[user.Id];
            if (missing.Count > 0)
            {
                var policy = MfaPolicies.Effective(user, groupPolicies).Policy;
                blocked.Add(Visible($"{user.Name} (policy {policy}): {string.Join("; ", missing.Select(m => LoginReadiness.HowToAdd(m, user.Name)))}"));
            }
        }
        if (blocked.Count == 0)
        {
            return DoctorFinding.Ok(check, $"{users.Count} enabled users, each enrolled for the MFA policy in force");
        }
        var shown = string.Join(Environment.NewLine + "      ", blocked.Take(NamesShown));
        var more = blocked.Count > NamesShown ? $"{Environment.NewLine}      … and {blocked.Count - NamesShown} more" : "";
        return DoctorFinding.Warn(check, $"{blocked.Count} of {users.Count} enabled users cannot log in yet:{Environment.NewLine}      {shown}{more}");
    }

    public static async Task<DoctorFinding> AdminsAsync(BastionContext context, CancellationToken ct)
    {
        const string check = "admins";
        var admins = new List<string>();
        foreach (var user in (await context.Store.ListUsersAsync(ct).ConfigureAwait(false)).Where(u => !u.Disabled))
        {
            if ((await context.Store.GetRolesAsync(user.Id, ct).ConfigureAwait(false)).Contains(AdminRoles.Admin))
            {
                admins.Add(user.Name);
            }
        }
        return admins.Count == 0
            ? DoctorFinding.Warn(check, "no enabled user holds the admin role; nobody can manage users in the admin app: bastion user add NAME --role admin")
            : DoctorFinding.Ok(check, $"{admins.Count} with the admin role: {Names(admins)}");
    }

    /// <summary>Gateway nodes on this store and their heartbeats; a silent one is dead or cut off from the database.</summary>
    public static async Task<DoctorFinding> NodesAsync(BastionContext context, CancellationToken ct)
    {
        const string check = "nodes";
        var nodes = await context.Store.ListNodesAsync(ct).ConfigureAwait(false);
        var now = context.Time.GetUtcNow();
        var silent = nodes.Where(n => Cli.NodeCommands.State(n, now, context.Options.NodeDeadAfterSeconds) != "ok").ToList();
        if (nodes.Count == 0)
        {
            return DoctorFinding.Warn(check, "no gateway node has sent a heartbeat to this store; is any running? systemctl status bastion-gateway");
        }
        return silent.Count > 0
            ? DoctorFinding.Warn(check, $"{silent.Count} of {nodes.Count} silent: {Names(silent.Select(n => $"{n.NodeId} (last seen {(long)(now - n.LastSeen).TotalSeconds} s ago)"))}; a running node takes over their sessions, or check them: bastion node list")
            : DoctorFinding.Ok(check, $"{nodes.Count} beating: {Names(nodes.Select(n => n.NodeId))}");
    }

    public static async Task<DoctorFinding> SessionsAsync(BastionContext context, CancellationToken ct)
    {
        var sessions = await context.Store.ListLiveSessionsAsync(ct).ConfigureAwait(false);
        var nodes = sessions.Select(s => s.NodeId).Distinct(StringComparer.Ordinal).Count();
        return DoctorFinding.Ok("sessions", string.Create(CultureInfo.InvariantCulture, $"{sessions.Count} open on {nodes} nodes (bastion session list)"));
    }

    /// <summary>The first few names, each escaped: they are read back from the store, which other processes write.</summary>
    private static string Names(IEnumerable<string> names)
    {
        var list = names.ToList();
        return string.Join(", ", list.Take(NamesShown).Select(Visible)) + (list.Count > NamesShown ? $", … ({list.Count - NamesShown} more)" : "");
    }
}
