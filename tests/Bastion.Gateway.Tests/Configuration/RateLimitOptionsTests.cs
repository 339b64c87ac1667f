using Bastion.Hosting.Configuration;
using Bastion.Gateway.Hosting;

namespace Bastion.Gateway.Tests.Configuration;

public sealed class RateLimitOptionsTests
{
    [Fact]
    public void Defaults_count_a_users_failures_over_a_day_and_grow_lockouts_to_a_day_with_a_weeks_memory()
    {
        var mfa = new BastionOptions().Mfa;

        Assert.Equal((5, 86_400, 20, 600), (mfa.MaxFailuresPerUser, mfa.UserFailureWindowSeconds, mfa.MaxFailuresPerAddress, mfa.FailureWindowSeconds));
        Assert.Equal((900, 86_400, 604_800), (mfa.LockoutSeconds, mfa.MaxLockoutSeconds, mfa.LockoutMemorySeconds));
        Assert.Equal(6, new BastionOptions().Ssh.MaxAuthAttempts);
    }

    [Fact]
    public void A_longest_lockout_shorter_than_the_first_is_refused_with_both_settings_named()
    {
        var options = new BastionOptions();
        options.Mfa.LockoutSeconds = 3600;
        options.Mfa.MaxLockoutSeconds = 600;
        options.Mfa.UserFailureWindowSeconds = 0;

        var errors = BastionOptionsValidator.Validate(options);

        Assert.Contains(errors, e => e.StartsWith("Bastion:Mfa:MaxLockoutSeconds 600 is below Bastion:Mfa:LockoutSeconds 3600", StringComparison.Ordinal));
        Assert.Contains(errors, e => e.StartsWith("Bastion:Mfa:UserFailureWindowSeconds 0 is outside 1..", StringComparison.Ordinal));
    }

    [Fact]
    public void The_new_lockout_settings_reload_without_a_restart()
    {
        foreach (var key in new[] { "Bastion:Mfa:UserFailureWindowSeconds", "Bastion:Mfa:MaxLockoutSeconds", "Bastion:Mfa:LockoutMemorySeconds" })
        {
            Assert.Contains(key, ReloadPlan.ReloadableKeys);
        }
    }
}
