using Bastion.Core.Keys;

namespace Bastion.Core.Tests.Keys;

/// <summary>What may be enrolled: options the gateway cannot honour are refused by name, the touch is the admins' to waive.</summary>
public sealed class KeyOptionRulesTests
{
    /// <summary>A well-formed ed25519 key (the 32 bytes are arbitrary: parsing checks the structure).</summary>
    internal const string KeyText = "ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAIAECAwQFBgcICQoLDA0ODxAREhMUFRYXGBkaGxwdHh8g alice@laptop";

    private const string SecurityKeyText =
        "sk-ssh-ed25519@openssh.com AAAAGnNrLXNzaC1lZDI1NTE5QG9wZW5zc2guY29tAAAAIAECAwQFBgcICQoLDA0ODxAREhMUFRYXGBkaGxwdHh8gAAAABHNzaDo= alice@yubikey";

    private static readonly DateTimeOffset Now = new(2030, 6, 15, 12, 0, 0, TimeSpan.Zero);

    [Theory]
    [InlineData("command=\"echo hi\"", "key option command=\"echo hi\" is not accepted")]
    [InlineData("environment=\"A=b\"", "key option environment=\"A=b\" is not accepted")]
    [InlineData("tunnel=\"0\"", "key option tunnel=\"0\" is not accepted")]
    [InlineData("principals=\"alice\"", "key option principals=\"alice\" is not accepted")]
    [InlineData("permitlisten=\"8080\"", "remote forwarding")]
    [InlineData("agent-forwarding", "key option agent-forwarding is not accepted")]
    [InlineData("restrict,X11-forwarding", "key option X11-forwarding is not accepted")]
    [InlineData("user-rc", "key option user-rc is not accepted")]
    public void Options_that_mean_nothing_at_a_gateway_are_refused_by_name(string options, string message)
    {
        var problem = KeyOptionRules.EnrolmentProblem(AuthorizedKeyLine.Parse($"{options} {KeyText}"), byAdmin: true, Now);
        Assert.NotNull(problem);
        Assert.Contains(message, problem, StringComparison.Ordinal);
        Assert.EndsWith("remove it from the line", problem, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("")]
    [InlineData("from=\"10.0.0.0/8\",expiry-time=\"20310101\",no-pty")]
    [InlineData("restrict,port-forwarding,permitopen=\"web-1:22\"")]
    [InlineData("no-agent-forwarding,no-x11-forwarding,no-user-rc,no-port-forwarding")]
    [InlineData("verify-required")]
    public void Restricting_options_may_be_enrolled_by_anyone(string options)
    {
        var line = AuthorizedKeyLine.Parse(options.Length == 0 ? KeyText : $"{options} {KeyText}");
        Assert.Null(KeyOptionRules.EnrolmentProblem(line, byAdmin: false, Now));
        Assert.Null(KeyOptionRules.EnrolmentProblem(line, byAdmin: true, Now));
    }

    [Fact]
    public void Only_an_admin_may_waive_the_touch()
    {
        var line = AuthorizedKeyLine.Parse($"no-touch-required {SecurityKeyText}");
        Assert.Null(KeyOptionRules.EnrolmentProblem(line, byAdmin: true, Now));
        var problem = KeyOptionRules.EnrolmentProblem(line, byAdmin: false, Now);
        Assert.Contains("no-touch-required may only be set by a Bastion administrator", problem, StringComparison.Ordinal);
        Assert.Contains("bastion key add", problem, StringComparison.Ordinal);
    }

    [Fact]
    public void A_key_that_has_already_expired_is_not_enrolled()
    {
        var problem = KeyOptionRules.EnrolmentProblem(AuthorizedKeyLine.Parse($"expiry-time=\"20200101\" {KeyText}"), byAdmin: true, Now);
        Assert.Contains("expiry-time=\"20200101\" is already past", problem, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("no-port-forwarding,permitopen=\"web-1:22\"", "no-port-forwarding")]
    [InlineData("restrict,permitopen=\"web-1:22\"", "restrict")]
    public void Permitopen_with_forwarding_off_is_refused_as_a_contradiction(string options, string offBy)
    {
        var problem = KeyOptionRules.EnrolmentProblem(AuthorizedKeyLine.Parse($"{options} {KeyText}"), byAdmin: true, Now);
        Assert.Contains($"while {offBy} turns port forwarding off; add port-forwarding", problem, StringComparison.Ordinal);
    }

    [Fact]
    public void A_bad_value_is_refused_with_its_own_message()
    {
        var problem = KeyOptionRules.EnrolmentProblem(AuthorizedKeyLine.Parse($"from=\"laptop.corp\" {KeyText}"), byAdmin: true, Now);
        Assert.Contains("does not look up host names", problem, StringComparison.Ordinal);
    }

    [Fact]
    public void Every_option_the_line_parser_knows_has_a_rule()
    {
        // A new option taught to the parser must be placed in KeyOptionRules, or keys with it would be refused as unknown.
        foreach (var name in new[] { "agent-forwarding", "no-agent-forwarding", "port-forwarding", "no-port-forwarding", "pty", "no-pty",
                     "user-rc", "no-user-rc", "x11-forwarding", "no-x11-forwarding", "restrict", "touch-required", "no-touch-required",
                     "verify-required", "command", "environment", "expiry-time", "from", "permitlisten", "permitopen", "principals", "tunnel" })
        {
            var refusal = KeyOptionRules.Refusal(new AuthorizedKeyOption(name, null));
            Assert.True(refusal is null || refusal.Contains("is not accepted", StringComparison.Ordinal), $"{name}: {refusal}");
        }
    }
}
