using Bastion.Core.Store;
using Bastion.Core.Mfa;

namespace Bastion.Core.Tests.Store;

/// <summary>Which MFA policy a login must meet: the user's own or their strongest group's.</summary>
public sealed class MfaPoliciesTests
{
    [Fact]
    public void Strength_orders_policies_from_a_key_alone_to_a_security_key_with_a_code()
    {
        Assert.Equal(
            [MfaPolicies.KeyOnly, MfaPolicies.KeyAndTotp, MfaPolicies.KeyAndWebAuthn, MfaPolicies.SecurityKey, MfaPolicies.SecurityKeyAndTotp],
            MfaPolicies.All.OrderBy(MfaPolicies.Strength));
        Assert.Equal(0, MfaPolicies.Strength(MfaPolicies.KeyOnly));
        Assert.Equal(4, MfaPolicies.Strength(MfaPolicies.SecurityKeyAndTotp));
        Assert.Equal(-1, MfaPolicies.Strength("password"));
        Assert.Equal(-1, MfaPolicies.Strength("SK"));
    }

    [Fact]
    public void The_users_own_policy_is_kept_when_no_group_requires_more()
    {
        var alice = User(MfaPolicies.SecurityKey, "dev", "ops", "qa");
        var groups = new Dictionary<string, string>
        {
            ["dev"] = MfaPolicies.KeyAndTotp,
            ["ops"] = MfaPolicies.SecurityKey, // as strong as her own: not a reason to name the group
            ["other"] = MfaPolicies.SecurityKeyAndTotp, // she is not a member
        };

        Assert.Equal((MfaPolicies.SecurityKey, (string?)null), MfaPolicies.Effective(alice, groups));
        Assert.Equal((MfaPolicies.SecurityKey, (string?)null), MfaPolicies.Effective(alice, new Dictionary<string, string>()));
    }

    [Fact]
    public void The_strongest_group_requirement_wins_and_names_its_group()
    {
        var bob = User(MfaPolicies.KeyAndTotp, "dev", "prod-admins", "sre");
        var groups = new Dictionary<string, string>
        {
            ["dev"] = MfaPolicies.KeyAndWebAuthn,
            ["prod-admins"] = MfaPolicies.SecurityKeyAndTotp,
            ["sre"] = MfaPolicies.SecurityKey,
        };

        Assert.Equal((MfaPolicies.SecurityKeyAndTotp, "prod-admins"), MfaPolicies.Effective(bob, groups));
        // The outcome does not depend on which group is listed first.
        Assert.Equal((MfaPolicies.SecurityKeyAndTotp, "prod-admins"), MfaPolicies.Effective(bob with { Groups = ["sre", "prod-admins", "dev"] }, groups));
    }

    [Fact]
    public void An_automation_account_in_a_group_that_requires_a_second_factor_gets_it()
    {
        var deploy = User(MfaPolicies.KeyOnly, "ops") with { IsAutomation = true };

        Assert.Equal((MfaPolicies.KeyAndTotp, "ops"), MfaPolicies.Effective(deploy, new Dictionary<string, string> { ["ops"] = MfaPolicies.KeyAndTotp }));
    }

    [Fact]
    public void Unknown_and_weaker_group_policies_are_ignored()
    {
        var carol = User(MfaPolicies.KeyAndWebAuthn, "legacy", "bots", "dev");
        var groups = new Dictionary<string, string>
        {
            ["legacy"] = "password",
            ["bots"] = MfaPolicies.KeyOnly,
            ["dev"] = MfaPolicies.KeyAndTotp,
        };

        Assert.Equal((MfaPolicies.KeyAndWebAuthn, (string?)null), MfaPolicies.Effective(carol, groups));
    }

    [Theory]
    [InlineData(MfaPolicies.KeyAndTotp)]
    [InlineData(MfaPolicies.KeyAndWebAuthn)]
    [InlineData(MfaPolicies.SecurityKey)]
    [InlineData(MfaPolicies.SecurityKeyAndTotp)]
    public void Every_policy_with_a_second_factor_may_be_required_of_a_group(string policy) =>
        MfaPolicies.EnsureValidForGroup(policy);

    [Fact]
    public void A_group_may_not_require_a_key_alone_or_an_unknown_policy()
    {
        var keyOnly = Assert.Throws<InvalidEntityException>(() => MfaPolicies.EnsureValidForGroup(MfaPolicies.KeyOnly));
        Assert.Contains("no second factor", keyOnly.Message, StringComparison.Ordinal);
        var unknown = Assert.Throws<InvalidEntityException>(() => MfaPolicies.EnsureValidForGroup("password"));
        Assert.Contains("is not known", unknown.Message, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData(MfaPolicies.KeyAndTotp, "verification code", "bastion totp enroll bob")]
    [InlineData(MfaPolicies.SecurityKeyAndTotp, "verification code", "sk-ssh-ed25519")]
    [InlineData(MfaPolicies.KeyAndWebAuthn, "browser approval", "bastion user invite bob")]
    [InlineData(MfaPolicies.SecurityKey, "security-key touch", "ed25519-sk")]
    public void Hints_follow_the_policy_in_force(string policy, string askedOnce, string nextStep)
    {
        Assert.Contains(askedOnce, MfaPolicies.AskedOncePerConnection(policy), StringComparison.Ordinal);
        Assert.Contains(nextStep, MfaPolicies.EnrolmentHint(policy, "bob"), StringComparison.Ordinal);
        if (policy is MfaPolicies.KeyAndWebAuthn or MfaPolicies.SecurityKey)
        {
            // The complaint: users without TOTP were told about codes, and admins told to enrol TOTP.
            Assert.DoesNotContain("code", MfaPolicies.AskedOncePerConnection(policy), StringComparison.Ordinal);
            Assert.DoesNotContain("totp", MfaPolicies.EnrolmentHint(policy, "bob"), StringComparison.Ordinal);
        }
    }

    [Fact]
    public void A_key_alone_is_asked_nothing_more()
    {
        Assert.Null(MfaPolicies.AskedOncePerConnection(MfaPolicies.KeyOnly));
        Assert.Contains("nothing more", MfaPolicies.EnrolmentHint(MfaPolicies.KeyOnly, "ci"), StringComparison.Ordinal);
    }

    private static User User(string policy, params string[] groups) =>
        new(1, "user", Disabled: false, groups, policy, IsAutomation: false, DateTimeOffset.UnixEpoch);
}
