using Bastion.Gateway.Tests.Infrastructure;

namespace Bastion.Gateway.Tests.EndToEnd;

/// <summary>A group's required MFA policy with the real OpenSSH client: stronger than the member's own, it holds; cleared, the member's own holds again.</summary>
public sealed class GroupMfaPolicyTests : IClassFixture<TestbedFixture>
{
    private readonly BastionTestbed _bed;

    public GroupMfaPolicyTests(TestbedFixture fixture) => _bed = fixture.Bed;

    [Fact]
    public async Task A_group_requirement_raises_a_members_policy_until_it_is_cleared()
    {
        await _bed.AddAutomationUserAsync("grp-auto");
        await GatewayCli.RunCheckedAsync(_bed.DataDirectory, "user", "set", "grp-auto", "--group", "ops");
        var secret = (await GatewayCli.EnrollTotpAsync(_bed.DataDirectory, "grp-auto")).Secret;
        var client = _bed.NewClient("grp-auto");

        // Own policy "key": the key alone lets the automation account in.
        (await client.Ssh.SshAsync(BastionTestbed.TargetHost, "true")).EnsureSuccess("key-only login before the group requirement");
        Assert.Empty(client.Ssh.AskPass.Prompts);

        // @ops requires key+totp: now the code is asked, and the audit says which group required it.
        (await GatewayCli.RunCheckedAsync(_bed.DataDirectory, "group", "require-mfa", "@ops", "key+totp")).EnsureSuccess("require-mfa");
        client.AnswerTotpWith(secret);
        var withCode = await client.Ssh.SshAsync(BastionTestbed.TargetHost, "echo with-code");
        Assert.True(withCode.Succeeded, withCode.Describe() + _bed.Logs());
        Assert.EndsWith("Verification code: ", Assert.Single(client.Ssh.AskPass.Prompts), StringComparison.Ordinal);
        var audit = await _bed.WaitForAuditAsync(l => l.Any(e => e.Type == "auth.success" && e.User == "grp-auto" && e["mfa_policy_group"] == "ops"), "the group-required login");
        var success = audit.Last(e => e.Type == "auth.success" && e.User == "grp-auto");
        Assert.Equal("key+totp", success["mfa_policy"]);
        Assert.Equal("totp", success["mfa"]);

        // @ops requires a security key: an ordinary key is refused, and the message names the group.
        (await GatewayCli.RunCheckedAsync(_bed.DataDirectory, "group", "require-mfa", "ops", "sk")).EnsureSuccess("require-mfa sk");
        var refused = await client.Ssh.SshAsync(BastionTestbed.TargetHost, "echo should-not-run");
        Assert.False(refused.Succeeded);
        Assert.Contains("must sign in with a security key (required by group @ops)", refused.StandardError);
        var list = await GatewayCli.RunCheckedAsync(_bed.DataDirectory, "group", "list");
        Assert.Matches(@"(?m)^ops\s+1 sk$", list.StandardOutput);

        // Cleared: back to the key alone.
        (await GatewayCli.RunCheckedAsync(_bed.DataDirectory, "group", "clear-mfa", "ops")).EnsureSuccess("clear-mfa");
        var cleared = _bed.NewClient("grp-auto");
        (await cleared.Ssh.SshAsync(BastionTestbed.TargetHost, "true")).EnsureSuccess("key-only login after clearing");
        Assert.Empty(cleared.Ssh.AskPass.Prompts);
        var changes = (await AuditTail.ReadAsync(_bed.DataDirectory)).Where(e => e.Type == "admin.group.changed").Select(e => e["mfa_policy"]).ToList();
        Assert.Equal(["key+totp", "sk", ""], changes);
    }

    [Fact]
    public async Task A_group_cannot_require_nothing()
    {
        var result = await GatewayCli.RunAsync(_bed.DataDirectory, "group", "require-mfa", "ops2", "key");
        Assert.NotEqual(0, result.ExitCode);
        Assert.Contains("cannot require MFA policy \"key\"", result.StandardError);
    }

    [Fact]
    public async Task An_at_group_argument_is_a_group_not_a_response_file()
    {
        // System.CommandLine would read "@ops" as a file of arguments; the CLI turns that off.
        var allow = await GatewayCli.RunAsync(_bed.DataDirectory, "access", "allow", "@ops3", "db-*");
        Assert.True(allow.Succeeded, allow.Describe());
        Assert.Contains("@ops3", (await GatewayCli.RunCheckedAsync(_bed.DataDirectory, "access", "list")).StandardOutput);
    }
}
