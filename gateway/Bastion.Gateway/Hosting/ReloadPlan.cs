using Bastion.Hosting.Configuration;
using Microsoft.Extensions.Configuration;

namespace Bastion.Gateway.Hosting;

/// <summary>
/// What a configuration reload changes: the keys whose effective value differs (names only — values may be
/// secrets), split into those applied live and those that need a restart, and the options snapshot to put in
/// force (the new reloadable values, the old values of everything else).
/// </summary>
public sealed record ReloadPlan(IReadOnlyList<string> Applied, IReadOnlyList<string> NeedRestart, BastionOptions Effective)
{
    /// <summary>
    /// Settings read per connection, login or channel open, so changing them is safe for sessions already open.
    /// Everything else (listen address and port, data directory, host keys, store, audit file, EC2 and DNS
    /// inventory, metrics endpoint, drain time) is wired once at start.
    /// </summary>
    public static readonly IReadOnlySet<string> ReloadableKeys = new HashSet<string>(StringComparer.OrdinalIgnoreCase)
    {
        "Bastion:Ssh:LoginGraceTimeSeconds",
        "Bastion:Ssh:MaxAuthAttempts",
        "Bastion:Ssh:AuthFailureDelayMilliseconds",
        "Bastion:Ssh:MaxUnauthenticatedConnections",
        "Bastion:Ssh:MaxUnauthenticatedPerSource",
        "Bastion:Ssh:SourcePenaltyFailures",
        "Bastion:Ssh:SourcePenaltySeconds",
        "Bastion:Ssh:MaxChannelsPerConnection",
        "Bastion:Ssh:RekeyAfterBytes",
        "Bastion:Ssh:RekeyAfterSeconds",
        "Bastion:Ssh:PublicHostName",
        "Bastion:Ssh:PublicPort",
        "Bastion:Ssh:ClientAliveIntervalSeconds",
        "Bastion:Ssh:ClientAliveCountMax",
        "Bastion:Ssh:IdleTimeoutSeconds",
        "Bastion:Ssh:MaxConnectionSeconds",
        "Bastion:Mfa:MaxFailuresPerUser",
        "Bastion:Mfa:MaxFailuresPerAddress",
        "Bastion:Mfa:FailureWindowSeconds",
        "Bastion:Mfa:LockoutSeconds",
        "Bastion:Mfa:UserFailureWindowSeconds",
        "Bastion:Mfa:MaxLockoutSeconds",
        "Bastion:Mfa:LockoutMemorySeconds",
        "Bastion:Mfa:SecurityKeyCounterRegression",
        "Bastion:Mfa:WebApprovalSeconds",
        "Bastion:Mfa:TotpIssuer",
        "Bastion:Inventory:DomainSuffix",
        "Bastion:Inventory:AllowAddresses",
        "Bastion:Inventory:ConnectTimeoutSeconds",
        "Bastion:Admin:PublicUrl",
        "Bastion:Limits:ConnectionsPerUser",
        "Bastion:Limits:ChannelsPerUser",
        "Bastion:Limits:ChannelOpensPerMinute",
        "Bastion:Limits:Automation:ConnectionsPerUser",
        "Bastion:Limits:Automation:ChannelsPerUser",
        "Bastion:Limits:Automation:ChannelOpensPerMinute",
    };

    /// <summary>The flattened "Bastion" and "Logging" sections: the part of the configuration a reload can change.</summary>
    public static IReadOnlyDictionary<string, string?> Snapshot(IConfiguration configuration)
    {
        var values = new Dictionary<string, string?>(StringComparer.OrdinalIgnoreCase);
        foreach (var section in new[] { BastionOptions.Section, "Logging" })
        {
            foreach (var (key, value) in configuration.GetSection(section).AsEnumerable())
            {
                if (value is not null)
                {
                    values[key] = value;
                }
            }
        }
        return values;
    }

    public static ReloadPlan Create(IReadOnlyDictionary<string, string?> before, IReadOnlyDictionary<string, string?> after, BastionOptions current, BastionOptions next)
    {
        var changed = before.Keys.Union(after.Keys, StringComparer.OrdinalIgnoreCase)
            .Where(k => !string.Equals(before.GetValueOrDefault(k), after.GetValueOrDefault(k), StringComparison.Ordinal))
            .Order(StringComparer.OrdinalIgnoreCase)
            .ToList();
        // Logging levels follow the configuration on their own (the logger filters watch its reload token).
        var applied = changed.Where(k => ReloadableKeys.Contains(k) || k.StartsWith("Logging:", StringComparison.OrdinalIgnoreCase)).ToList();
        var needRestart = changed.Except(applied, StringComparer.OrdinalIgnoreCase).ToList();
        return new ReloadPlan(applied, needRestart, Merge(current, next));
    }

    /// <summary>The current options with the reloadable values taken from <paramref name="next"/>; neither input is modified.</summary>
    public static BastionOptions Merge(BastionOptions current, BastionOptions next)
    {
        var ssh = current.Ssh.ShallowCopy();
        ssh.LoginGraceTimeSeconds = next.Ssh.LoginGraceTimeSeconds;
        ssh.MaxAuthAttempts = next.Ssh.MaxAuthAttempts;
        ssh.AuthFailureDelayMilliseconds = next.Ssh.AuthFailureDelayMilliseconds;
        ssh.MaxUnauthenticatedConnections = next.Ssh.MaxUnauthenticatedConnections;
        ssh.MaxUnauthenticatedPerSource = next.Ssh.MaxUnauthenticatedPerSource;
        ssh.SourcePenaltyFailures = next.Ssh.SourcePenaltyFailures;
        ssh.SourcePenaltySeconds = next.Ssh.SourcePenaltySeconds;
        ssh.MaxChannelsPerConnection = next.Ssh.MaxChannelsPerConnection;
        ssh.RekeyAfterBytes = next.Ssh.RekeyAfterBytes;
        ssh.RekeyAfterSeconds = next.Ssh.RekeyAfterSeconds;
        ssh.PublicHostName = next.Ssh.PublicHostName;
        ssh.PublicPort = next.Ssh.PublicPort;
        ssh.ClientAliveIntervalSeconds = next.Ssh.ClientAliveIntervalSeconds;
        ssh.ClientAliveCountMax = next.Ssh.ClientAliveCountMax;
        ssh.IdleTimeoutSeconds = next.Ssh.IdleTimeoutSeconds;
        ssh.MaxConnectionSeconds = next.Ssh.MaxConnectionSeconds;
        var inventory = current.Inventory.ShallowCopy();
        inventory.DomainSuffix = next.Inventory.DomainSuffix;
        inventory.AllowAddresses = next.Inventory.AllowAddresses;
        inventory.ConnectTimeoutSeconds = next.Inventory.ConnectTimeoutSeconds;
        var merged = current.ShallowCopy();
        merged.Ssh = ssh;
        merged.Mfa = next.Mfa;
        merged.Inventory = inventory;
        merged.Admin = next.Admin;
        merged.Limits = next.Limits;
        return merged;
    }
}
