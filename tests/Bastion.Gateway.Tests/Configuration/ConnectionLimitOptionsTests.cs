using Bastion.Hosting.Configuration;
using Bastion.Gateway.Hosting;

namespace Bastion.Gateway.Tests.Configuration;

public sealed class ConnectionLimitOptionsTests
{
    [Fact]
    public void Keepalives_are_on_by_default_and_idle_and_maximum_time_are_off()
    {
        var ssh = new BastionOptions().Ssh;

        Assert.Equal(30, ssh.ClientAliveIntervalSeconds);
        Assert.Equal(3, ssh.ClientAliveCountMax);
        Assert.Equal(0, ssh.IdleTimeoutSeconds);
        Assert.Equal(0, ssh.MaxConnectionSeconds);
    }

    [Fact]
    public void The_login_grace_time_is_120_seconds_as_in_sshd_for_the_gateway_and_the_library()
    {
        // 30 s counted the time a person takes to unlock a phone and read a code (issue [2/8]).
        Assert.Equal(120, new BastionOptions().Ssh.LoginGraceTimeSeconds);
        Assert.Equal(TimeSpan.FromSeconds(120), new Bastion.Ssh.SshServerOptions { HostKeys = [] }.LoginGraceTime);
    }

    [Fact]
    public void Negative_limits_are_refused_with_the_setting_named()
    {
        var options = new BastionOptions();
        options.Ssh.ClientAliveIntervalSeconds = -1;
        options.Ssh.ClientAliveCountMax = -1;
        options.Ssh.IdleTimeoutSeconds = -5;
        options.Ssh.MaxConnectionSeconds = -5;

        var errors = BastionOptionsValidator.Validate(options);

        Assert.Equal(4, errors.Count);
        Assert.Contains(errors, e => e.StartsWith("Bastion:Ssh:ClientAliveIntervalSeconds -1 is outside 0..", StringComparison.Ordinal));
        Assert.Contains(errors, e => e.StartsWith("Bastion:Ssh:ClientAliveCountMax -1 is outside 0..", StringComparison.Ordinal));
        Assert.Contains(errors, e => e.StartsWith("Bastion:Ssh:IdleTimeoutSeconds -5 is outside 0..", StringComparison.Ordinal));
        Assert.Contains(errors, e => e.StartsWith("Bastion:Ssh:MaxConnectionSeconds -5 is outside 0..", StringComparison.Ordinal));
    }

    [Fact]
    public void A_reload_applies_the_limits_to_new_connections()
    {
        var before = new Dictionary<string, string?> { ["Bastion:Ssh:IdleTimeoutSeconds"] = "0" };
        var after = new Dictionary<string, string?> { ["Bastion:Ssh:IdleTimeoutSeconds"] = "900", ["Bastion:Ssh:MaxConnectionSeconds"] = "43200" };
        var next = new BastionOptions();
        next.Ssh.IdleTimeoutSeconds = 900;
        next.Ssh.MaxConnectionSeconds = 43200;

        var plan = ReloadPlan.Create(before, after, new BastionOptions(), next);

        Assert.Equal(["Bastion:Ssh:IdleTimeoutSeconds", "Bastion:Ssh:MaxConnectionSeconds"], plan.Applied);
        Assert.Empty(plan.NeedRestart);
        Assert.Equal(900, plan.Effective.Ssh.IdleTimeoutSeconds);
        Assert.Equal(43200, plan.Effective.Ssh.MaxConnectionSeconds);
    }
}
