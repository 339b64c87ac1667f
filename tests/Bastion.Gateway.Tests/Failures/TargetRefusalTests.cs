using Bastion.Gateway.Tests.Infrastructure;

namespace Bastion.Gateway.Tests.Failures;

/// <summary>Gateway for <see cref="TargetRefusalTests"/>.</summary>
public sealed class TargetRefusalFixture : TestBedFixture;

/// <summary>
/// A logged-in user asks for a target they may not have: the direct-tcpip channel is refused with a sentence that
/// OpenSSH prints as "channel 0: open failed: REASON: TEXT", a channel.denied event is audited, and the gateway goes
/// on serving.
/// </summary>
public sealed class TargetRefusalTests(TargetRefusalFixture fixture) : IClassFixture<TargetRefusalFixture>
{
    private BastionTestbed Bed => fixture.Bed;

    [Fact]
    public async Task Target_outside_the_users_access_rules_is_refused_with_may_not_reach()
    {
        // The only rule for this user allows db-*; web-1 exists but is not theirs.
        var user = await Bed.AddUserAsync(Bed.UniqueName("limited"), allowPattern: "db-*");

        var result = await Bed.SshThroughGatewayAsync(user, await user.FreshCodeAsync());

        Assert.Equal(255, result.ExitCode);
        Assert.Contains($"channel 0: open failed: administratively prohibited: Bastion: {user.Name} may not reach {BastionTestbed.TargetName}", result.StandardError, StringComparison.Ordinal);
        Assert.Contains("to list the targets you may reach", result.StandardError, StringComparison.Ordinal);
        Assert.DoesNotContain("-ok", result.StandardOutput, StringComparison.Ordinal);
        var denied = await Bed.WaitForAuditRowAsync(e => e.Type == "channel.denied" && e.User == user.Name, $"channel.denied for {user.Name}");
        Assert.Equal($"{BastionTestbed.TargetName}:22", denied["requested"]);
        Assert.Equal(BastionTestbed.TargetName, denied["target"]);
        Assert.DoesNotContain(Bed.ReadAudit(), e => e.Type == "channel.open" && e.User == user.Name);
        // Authentication itself was fine: the refusal is about the target, and is audited as such.
        Assert.Contains(Bed.ReadAudit(), e => e.Type == "auth.success" && e.User == user.Name);

        await Bed.AssertStillServesAsync();
    }

    [Fact]
    public async Task Unknown_target_name_is_refused_with_a_did_you_mean_suggestion()
    {
        var user = await Bed.AddUserAsync(Bed.UniqueName("typo"));

        var near = await Bed.SshThroughGatewayAsync(user, await user.FreshCodeAsync(), host: "web1");
        var far = await Bed.SshThroughGatewayAsync(user, await user.FreshCodeAsync(), host: "zz-unrelated-host");

        Assert.Equal(255, near.ExitCode);
        Assert.Contains("channel 0: open failed: connect failed: Bastion: no target named \"web1\"; did you mean web-1?", near.StandardError, StringComparison.Ordinal);
        Assert.Equal(255, far.ExitCode);
        Assert.Contains("channel 0: open failed: connect failed: Bastion: no target named \"zz-unrelated-host\"; ask an administrator to add it", far.StandardError, StringComparison.Ordinal);
        var nearEvent = await Bed.WaitForAuditRowAsync(e => e.Type == "channel.denied" && e.User == user.Name && e["requested"] == "web1:22", "channel.denied for web1");
        Assert.Equal("unknown target", nearEvent["reason"]);
        Assert.Contains("did you mean web-1?", nearEvent["message"], StringComparison.Ordinal);
        await Bed.WaitForAuditRowAsync(e => e.Type == "channel.denied" && e.User == user.Name && e["requested"] == "zz-unrelated-host:22", "channel.denied for zz-unrelated-host");
        Assert.DoesNotContain(Bed.ReadAudit(), e => e.Type == "channel.open" && e.User == user.Name);
        var tail = await Bed.AuditTailAsync();
        Assert.Contains($"channel.denied     user={user.Name}", tail, StringComparison.Ordinal);

        await Bed.AssertStillServesAsync();
    }
}
