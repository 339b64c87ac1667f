using Bastion.Gateway.Tests.Infrastructure;

namespace Bastion.Gateway.Tests.Failures;

/// <summary>Gateway for <see cref="AuthFailureTests"/>: default MFA limits (5 failures per user).</summary>
public sealed class AuthFailureFixture : TestBedFixture;

/// <summary>
/// Authentication failures a user can hit, end to end with the real OpenSSH client through ProxyJump: each one shows
/// the user a sentence saying what went wrong (ssh prints SSH_MSG_USERAUTH_BANNER text on stderr), leaves an audit
/// event, and the gateway goes on serving the next user.
/// </summary>
public sealed class AuthFailureTests(AuthFailureFixture fixture) : IClassFixture<AuthFailureFixture>
{
    private BastionTestbed Bed => fixture.Bed;

    [Fact]
    public async Task Key_not_enrolled_is_refused_with_permission_denied_and_audited()
    {
        var user = await Bed.AddUserAsync(Bed.UniqueName("wrongkey"));
        // Same user name, but a key the gateway has never seen.
        var stranger = await SshKeyPair.GenerateAsync(Bed.Directory.SubDirectory($"users/{user.Name}-stranger"), SshKeyType.Ed25519);
        var client = Bed.NewUserClient(Bed.Directory.SubDirectory($"users/{user.Name}-stranger"), stranger.PrivateKeyPath);

        var result = await Bed.SshThroughGatewayAsync(user, await user.FreshCodeAsync(), client: client);

        Assert.Equal(255, result.ExitCode);
        Assert.Contains($"{user.Name}@{Bed.Gateway.Address}: Permission denied (publickey)", result.StandardError, StringComparison.Ordinal);
        Assert.Empty(client.AskPass.Prompts); // never got as far as the code prompt
        var failure = await Bed.WaitForAuditRowAsync(
            e => e.Type == "auth.failure" && e.User == user.Name && e["key_fingerprint"] == stranger.Fingerprint,
            $"auth.failure for {user.Name} with key {stranger.Fingerprint}");
        Assert.Equal("publickey", failure["method"]);
        Assert.Equal("key not enrolled for this user", failure["reason"]);
        Assert.DoesNotContain(Bed.ReadAudit(), e => e.Type == "auth.success" && e.User == user.Name);

        await Bed.AssertStillServesAsync();
    }

    [Fact]
    public async Task Wrong_verification_code_is_refused_with_a_banner_and_audited()
    {
        var user = await Bed.AddUserAsync(Bed.UniqueName("wrongcode"));

        var result = await Bed.SshThroughGatewayAsync(user, user.WrongCode());

        Assert.Equal(255, result.ExitCode);
        Assert.Contains("Bastion: wrong verification code. Check that your authenticator's clock is right", result.StandardError, StringComparison.Ordinal);
        Assert.Contains("Permission denied", result.StandardError, StringComparison.Ordinal);
        Assert.Single(user.Client.AskPass.Prompts, p => p.EndsWith("Verification code: ", StringComparison.Ordinal));
        var failure = await Bed.WaitForAuditRowAsync(e => e.Type == "auth.failure" && e.User == user.Name, $"auth.failure for {user.Name}");
        Assert.Equal("keyboard-interactive", failure["method"]);
        Assert.Equal("wrong TOTP code", failure["reason"]);
        Assert.DoesNotContain(Bed.ReadAudit(), e => e.Type == "auth.success" && e.User == user.Name);

        // The same user with the right code is let in: a wrong code costs one attempt, nothing more.
        await Bed.LoginAsync(user);
        await Bed.AssertStillServesAsync();
    }

    [Fact]
    public async Task Replayed_code_is_refused_as_already_used_and_audited()
    {
        var user = await Bed.AddUserAsync(Bed.UniqueName("replay"));
        var code = await user.FreshCodeAsync();

        var first = await Bed.SshThroughGatewayAsync(user, code);
        Assert.True(first.Succeeded, "first login with the code should work\n" + first.Describe() + Bed.Logs());
        var second = await Bed.SshThroughGatewayAsync(user, code);

        Assert.Equal(255, second.ExitCode);
        Assert.Contains("Bastion: that verification code was already used. Wait for your authenticator to show the next code.", second.StandardError, StringComparison.Ordinal);
        Assert.DoesNotContain("-ok", second.StandardOutput, StringComparison.Ordinal);
        var failure = await Bed.WaitForAuditRowAsync(e => e.Type == "auth.failure" && e.User == user.Name, $"auth.failure for {user.Name}");
        Assert.Equal("TOTP code replayed", failure["reason"]);
        Assert.Single(Bed.ReadAudit(), e => e.Type == "auth.success" && e.User == user.Name);

        await Bed.AssertStillServesAsync();
    }

    [Fact]
    public async Task Disabled_user_is_told_the_account_is_disabled_and_audited()
    {
        var user = await Bed.AddUserAsync(Bed.UniqueName("gone"));
        await Bed.LoginAsync(user); // works while enabled
        (await GatewayCli.RunAsync(Bed.DataDirectory, "user", "disable", user.Name)).EnsureSuccess("user disable");

        var result = await Bed.SshThroughGatewayAsync(user, await user.FreshCodeAsync());

        Assert.Equal(255, result.ExitCode);
        Assert.Contains($"Bastion: the account \"{user.Name}\" is disabled. Ask a Bastion administrator to re-enable it.", result.StandardError, StringComparison.Ordinal);
        Assert.Empty(user.Client.AskPass.Prompts); // refused at the key, before any code is asked for
        var failure = await Bed.WaitForAuditRowAsync(e => e.Type == "auth.failure" && e.User == user.Name, $"auth.failure for {user.Name}");
        Assert.Equal("user disabled", failure["reason"]);
        var tail = await Bed.AuditTailAsync();
        Assert.Contains($"auth.failure       user={user.Name}", tail, StringComparison.Ordinal);
        Assert.Contains("reason=\"user disabled\"", tail, StringComparison.Ordinal);

        await Bed.AssertStillServesAsync();
    }
}
