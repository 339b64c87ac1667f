using Bastion.Gateway.Tests.Infrastructure;

namespace Bastion.Gateway.Tests.Failures;

/// <summary>Gateway for <see cref="LockoutTests"/>: a user is locked out after 3 failures.</summary>
public sealed class LockoutFixture : TestBedFixture
{
    /// <inheritdoc />
    protected override IEnumerable<string> ServeArgs => ["--Bastion:Mfa:MaxFailuresPerUser=3"];
}

/// <summary>Repeated wrong codes lock the user out (with a message and an auth.lockout event); others are unaffected.</summary>
public sealed class LockoutTests(LockoutFixture fixture) : IClassFixture<LockoutFixture>
{
    private BastionTestbed Bed => fixture.Bed;

    [Fact]
    public async Task Three_wrong_codes_lock_the_user_out_even_for_the_right_code_and_others_still_log_in()
    {
        // One ssh run that answers all three code prompts wrongly (NumberOfPasswordPrompts=3).
        var user = await Bed.AddUserAsync(Bed.UniqueName("guesser"), passwordPrompts: 3);

        var guessing = await Bed.SshThroughGatewayAsync(user, user.WrongCode());

        Assert.Equal(255, guessing.ExitCode);
        Assert.Equal(3, user.Client.AskPass.Prompts.Count(p => p.EndsWith("Verification code: ", StringComparison.Ordinal)));
        Assert.Equal(2, CountOf(guessing.StandardError, "Bastion: wrong verification code."));
        Assert.Contains("Bastion: too many failed attempts; logins for this account or address are paused. Try again in 15 min.", guessing.StandardError, StringComparison.Ordinal);
        var lockout = await Bed.WaitForAuditRowAsync(e => e.Type == "auth.lockout" && e.User == user.Name, $"auth.lockout for {user.Name}");
        Assert.False(string.IsNullOrEmpty(lockout["reason"]));
        // One connection: its first wrong code is an auth.failure row, the others are summed up in its disconnect.
        Assert.Single(Bed.ReadAudit(), e => e.Type == "auth.failure" && e.User == user.Name && e["reason"] == "wrong TOTP code");
        var disconnect = await Bed.WaitForAuditRowAsync(e => e.Type == "disconnect" && e.User == user.Name, $"{user.Name}'s disconnect");
        Assert.Equal("3", disconnect["auth_failures"]);
        Assert.Contains("keyboard-interactive: wrong TOTP code ×3", disconnect["auth_failure_reasons"], StringComparison.Ordinal);

        // Locked out: even the right code does not help now, and the user is told so before any prompt.
        var withRightCode = await Bed.SshThroughGatewayAsync(user, await user.FreshCodeAsync());
        Assert.Equal(255, withRightCode.ExitCode);
        Assert.Contains("Bastion: too many failed attempts", withRightCode.StandardError, StringComparison.Ordinal);
        Assert.Empty(user.Client.AskPass.Prompts);
        Assert.DoesNotContain(Bed.ReadAudit(), e => e.Type == "auth.success" && e.User == user.Name);

        // The lockout is per user (the address limit is far away): someone else logs in at once.
        await Bed.AssertStillServesAsync();
    }

    private static int CountOf(string text, string part)
    {
        var count = 0;
        for (var i = text.IndexOf(part, StringComparison.Ordinal); i >= 0; i = text.IndexOf(part, i + part.Length, StringComparison.Ordinal))
        {
            count++;
        }

        return count;
    }
}
