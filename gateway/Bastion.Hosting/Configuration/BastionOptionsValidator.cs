using System.Net;
using Bastion.Core.Store.Postgres;

namespace Bastion.Hosting.Configuration;

/// <summary>Checks settings at start so a typo fails loudly with the key to fix, instead of misbehaving later.</summary>
public static partial class BastionOptionsValidator
{
    public static IReadOnlyList<string> Validate(BastionOptions options)
    {
        var errors = new List<string>();
        var ssh = options.Ssh;
        if (string.IsNullOrWhiteSpace(options.DataDirectory))
        {
            errors.Add("Bastion:DataDirectory is empty; set it to a writable directory such as /var/lib/bastion");
        }
        Range(errors, "Bastion:NodeHeartbeatSeconds", options.NodeHeartbeatSeconds, 1, 3600);
        if (options.NodeDeadAfterSeconds < 3 * options.NodeHeartbeatSeconds)
        {
            errors.Add($"Bastion:NodeDeadAfterSeconds {options.NodeDeadAfterSeconds} must be at least three heartbeats ({3 * options.NodeHeartbeatSeconds} s with Bastion:NodeHeartbeatSeconds {options.NodeHeartbeatSeconds}), or live nodes would be taken for dead");
        }
        if (!string.IsNullOrEmpty(options.NodeId) && !NodeIdRegex().IsMatch(options.NodeId))
        {
            errors.Add($"Bastion:NodeId \"{options.NodeId}\" may only hold letters, digits, '.', '_' and '-' (at most 64)");
        }
        if (!IPAddress.TryParse(ssh.ListenAddress, out _))
        {
            errors.Add($"Bastion:Ssh:ListenAddress \"{ssh.ListenAddress}\" is not an IP address (use 0.0.0.0, ::, or a specific address)");
        }
        if (ssh.Port is < 1 or > 65535)
        {
            errors.Add($"Bastion:Ssh:Port {ssh.Port} is outside 1..65535");
        }
        if (ssh.PublicPort is < 1 or > 65535)
        {
            errors.Add($"Bastion:Ssh:PublicPort {ssh.PublicPort} is outside 1..65535");
        }
        if (ssh.PublicHostName is { } publicHost && (publicHost.Length > 253 || publicHost.Any(c => char.IsWhiteSpace(c) || char.IsControl(c) || c is '@' or '#')))
        {
            errors.Add("Bastion:Ssh:PublicHostName must be a host name or address (no spaces, '@' or '#'), as users type it after ProxyJump");
        }
        Range(errors, "Bastion:Ssh:LoginGraceTimeSeconds", ssh.LoginGraceTimeSeconds, 1, 600);
        Range(errors, "Bastion:Ssh:MaxAuthAttempts", ssh.MaxAuthAttempts, 1, 100);
        Range(errors, "Bastion:Ssh:AuthFailureDelayMilliseconds", ssh.AuthFailureDelayMilliseconds, 0, 30_000);
        Range(errors, "Bastion:Ssh:RekeyAfterSeconds", ssh.RekeyAfterSeconds, 10, 86_400);
        Range(errors, "Bastion:Ssh:MaxUnauthenticatedConnections", ssh.MaxUnauthenticatedConnections, 1, 100_000);
        Range(errors, "Bastion:Ssh:MaxUnauthenticatedPerSource", ssh.MaxUnauthenticatedPerSource, 0, 100_000);
        Range(errors, "Bastion:Ssh:SourcePenaltyFailures", ssh.SourcePenaltyFailures, 0, 100_000);
        Range(errors, "Bastion:Ssh:SourcePenaltySeconds", ssh.SourcePenaltySeconds, 1, 86_400);
        Range(errors, "Bastion:Ssh:MaxChannelsPerConnection", ssh.MaxChannelsPerConnection, 1, 10_000);
        Range(errors, "Bastion:Ssh:ShutdownDrainSeconds", ssh.ShutdownDrainSeconds, 0, 3600);
        Range(errors, "Bastion:Ssh:ClientAliveIntervalSeconds", ssh.ClientAliveIntervalSeconds, 0, 86_400);
        Range(errors, "Bastion:Ssh:ClientAliveCountMax", ssh.ClientAliveCountMax, 0, 1000);
        Range(errors, "Bastion:Ssh:IdleTimeoutSeconds", ssh.IdleTimeoutSeconds, 0, 30 * 86_400);
        Range(errors, "Bastion:Ssh:MaxConnectionSeconds", ssh.MaxConnectionSeconds, 0, 365 * 86_400);
        var unknownKex = ssh.EffectiveKexAlgorithms.Where(n => Bastion.Ssh.Algorithms.AlgorithmTable.Default.FindKeyExchange(n) is null).ToList();
        if (unknownKex.Count > 0)
        {
            errors.Add($"Bastion:Ssh:KexAlgorithms: {string.Join(", ", unknownKex.Select(n => $"\"{n}\""))} not implemented; choose from " +
                string.Join(", ", Bastion.Ssh.Algorithms.AlgorithmTable.Default.KeyExchanges.Select(k => k.Name)));
        }
        if (ssh.RekeyAfterBytes < 64 * 1024)
        {
            errors.Add($"Bastion:Ssh:RekeyAfterBytes {ssh.RekeyAfterBytes} is below 65536");
        }
        Range(errors, "Bastion:Mfa:MaxFailuresPerUser", options.Mfa.MaxFailuresPerUser, 1, 1000);
        Range(errors, "Bastion:Mfa:MaxFailuresPerAddress", options.Mfa.MaxFailuresPerAddress, 1, 100_000);
        Range(errors, "Bastion:Mfa:UserFailureWindowSeconds", options.Mfa.UserFailureWindowSeconds, 1, 30 * 86_400);
        Range(errors, "Bastion:Mfa:FailureWindowSeconds", options.Mfa.FailureWindowSeconds, 1, 86_400);
        Range(errors, "Bastion:Mfa:LockoutSeconds", options.Mfa.LockoutSeconds, 0, 86_400);
        Range(errors, "Bastion:Mfa:MaxLockoutSeconds", options.Mfa.MaxLockoutSeconds, 0, 30 * 86_400);
        Range(errors, "Bastion:Mfa:LockoutMemorySeconds", options.Mfa.LockoutMemorySeconds, 0, 365 * 86_400);
        if (options.Mfa.MaxLockoutSeconds < options.Mfa.LockoutSeconds)
        {
            errors.Add($"Bastion:Mfa:MaxLockoutSeconds {options.Mfa.MaxLockoutSeconds} is below Bastion:Mfa:LockoutSeconds {options.Mfa.LockoutSeconds}; set it to at least the first lockout");
        }
        Range(errors, "Bastion:Mfa:WebApprovalSeconds", options.Mfa.WebApprovalSeconds, 10, 3600);
        if (!Uri.TryCreate(options.Admin.PublicUrl, UriKind.Absolute, out var adminUrl) || adminUrl.Scheme is not ("http" or "https"))
        {
            errors.Add($"Bastion:Admin:PublicUrl \"{options.Admin.PublicUrl}\" is not an http(s) URL; set the address users open the admin app at");
        }
        Range(errors, "Bastion:Admin:SessionHours", options.Admin.SessionHours, 1, 24 * 7);
        Range(errors, "Bastion:Admin:SessionIdleMinutes", options.Admin.SessionIdleMinutes, 1, 24 * 60);
        Range(errors, "Bastion:Admin:StepUpSeconds", options.Admin.StepUpSeconds, 30, 3600);
        Range(errors, "Bastion:Inventory:ConnectTimeoutSeconds", options.Inventory.ConnectTimeoutSeconds, 1, 120);
        if (options.Inventory.DomainSuffix.StartsWith('.'))
        {
            errors.Add("Bastion:Inventory:DomainSuffix must not start with a dot (use \"dev\", not \".dev\")");
        }
        if (options.Metrics.Enabled)
        {
            if (!IPAddress.TryParse(options.Metrics.ListenAddress, out _))
            {
                errors.Add($"Bastion:Metrics:ListenAddress \"{options.Metrics.ListenAddress}\" is not an IP address (use 127.0.0.1, or the address the load balancer reaches)");
            }
            if (options.Metrics.Port is < 1 or > 65535)
            {
                errors.Add($"Bastion:Metrics:Port {options.Metrics.Port} is outside 1..65535");
            }
            else if (options.Metrics.Port == ssh.Port && options.Metrics.ListenAddress == ssh.ListenAddress)
            {
                errors.Add($"Bastion:Metrics:Port {options.Metrics.Port} is the SSH port; pick another (default 9122)");
            }
        }
        ValidateStore(errors, options.Store);
        errors.AddRange(options.Inventory.Ec2.Validate());
        for (var i = 0; i < options.Inventory.ProtectedCidrs.Count; i++)
        {
            if (!Inventory.AccountRanges.TryParse(options.Inventory.ProtectedCidrs[i], out _))
            {
                errors.Add($"Bastion:Inventory:ProtectedCidrs:{i} \"{options.Inventory.ProtectedCidrs[i]}\" is not an address range like 10.0.0.0/16 (no host bits set)");
            }
        }
        if (options.Inventory.Ec2.Enabled)
        {
            errors.AddRange(Inventory.AccountRanges.ProtectedOverlaps(options.Inventory.Ec2.Accounts, Inventory.InventoryAddressPolicy.ProtectedRanges(options.Inventory)));
        }
        errors.AddRange(options.Inventory.Dns.Validate());
        errors.AddRange(options.Audit.Export.Validate());
        errors.AddRange(options.Alerts.Validate());
        errors.AddRange(options.Limits.Validate());
        errors.AddRange(options.Recording.Validate());
        return errors;
    }

    private static void ValidateStore(List<string> errors, StoreOptions store)
    {
        var hasString = !string.IsNullOrWhiteSpace(store.ConnectionString);
        var hasFile = !string.IsNullOrWhiteSpace(store.ConnectionStringFile);
        if (store.IsPostgres)
        {
            if (!hasString && !hasFile)
            {
                errors.Add("Bastion:Store:Provider is postgres but no ConnectionString or ConnectionStringFile is set; " +
                           "set Bastion:Store:ConnectionStringFile to a 0600 file holding \"Host=…;Database=…;Username=…;Password=…\"");
            }
            else if (hasString && hasFile)
            {
                errors.Add("Bastion:Store:ConnectionString and Bastion:Store:ConnectionStringFile are both set; keep one (the file keeps the password out of the environment)");
            }
            else if (hasString && new PostgresStoreOptions(store.ConnectionString!).Problem() is { } problem)
            {
                errors.Add($"Bastion:Store:ConnectionString is not usable: {problem}");
            }
        }
        else if (!string.Equals(store.Provider, StoreOptions.Sqlite, StringComparison.OrdinalIgnoreCase))
        {
            errors.Add($"Bastion:Store:Provider \"{store.Provider}\" is unknown; use sqlite (one node, the default) or postgres (several nodes)");
        }
        else if (hasString || hasFile)
        {
            errors.Add("Bastion:Store:ConnectionString(File) is set but Bastion:Store:Provider is sqlite; set Bastion:Store:Provider=postgres to use it");
        }
    }

    private static void Range(List<string> errors, string key, long value, long min, long max)
    {
        if (value < min || value > max)
        {
            errors.Add($"{key} {value} is outside {min}..{max}");
        }
    }

    [System.Text.RegularExpressions.GeneratedRegex("^[A-Za-z0-9._-]{1,64}$")]
    private static partial System.Text.RegularExpressions.Regex NodeIdRegex();
}
