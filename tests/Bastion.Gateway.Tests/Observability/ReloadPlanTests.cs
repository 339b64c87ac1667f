using Bastion.Hosting.Configuration;
using Bastion.Gateway.Hosting;

namespace Bastion.Gateway.Tests.Observability;

/// <summary>Which changed keys a reload applies, which need a restart, and what the merged options hold.</summary>
public sealed class ReloadPlanTests
{
    [Fact]
    public void Reloadable_keys_are_applied_restart_only_keys_keep_their_old_values()
    {
        var current = new BastionOptions();
        current.Ssh.Port = 2222;
        current.Ssh.MaxAuthAttempts = 6;
        current.Mfa.MaxFailuresPerUser = 5;
        var next = new BastionOptions();
        next.Ssh.Port = 2223;
        next.Ssh.MaxAuthAttempts = 3;
        next.Mfa.MaxFailuresPerUser = 2;
        next.Inventory.DomainSuffix = "internal";
        next.DataDirectory = "/elsewhere";
        var before = new Dictionary<string, string?>
        {
            ["Bastion:Ssh:Port"] = "2222", ["Bastion:Ssh:MaxAuthAttempts"] = "6", ["Logging:LogLevel:Default"] = "Information",
            ["Bastion:Store:Password"] = "old-secret",
        };
        var after = new Dictionary<string, string?>
        {
            ["Bastion:Ssh:Port"] = "2223", ["Bastion:Ssh:MaxAuthAttempts"] = "3", ["Logging:LogLevel:Default"] = "Debug",
            ["Bastion:Mfa:MaxFailuresPerUser"] = "2", ["Bastion:Store:Password"] = "new-secret",
        };

        var plan = ReloadPlan.Create(before, after, current, next);

        Assert.Equal(["Bastion:Mfa:MaxFailuresPerUser", "Bastion:Ssh:MaxAuthAttempts", "Logging:LogLevel:Default"], plan.Applied);
        Assert.Equal(["Bastion:Ssh:Port", "Bastion:Store:Password"], plan.NeedRestart);
        Assert.DoesNotContain(plan.Applied.Concat(plan.NeedRestart), k => k.Contains("secret", StringComparison.Ordinal));
        Assert.Equal(2222, plan.Effective.Ssh.Port);
        Assert.Equal("./data", plan.Effective.DataDirectory);
        Assert.Equal(3, plan.Effective.Ssh.MaxAuthAttempts);
        Assert.Equal(2, plan.Effective.Mfa.MaxFailuresPerUser);
        Assert.Equal("internal", plan.Effective.Inventory.DomainSuffix);
        // The inputs are not modified: the running snapshot stays intact until the new one is swapped in.
        Assert.Equal(6, current.Ssh.MaxAuthAttempts);
        Assert.Equal("dev", current.Inventory.DomainSuffix);
    }
}
