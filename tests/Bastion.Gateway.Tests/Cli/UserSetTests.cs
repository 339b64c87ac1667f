using Bastion.Gateway.Tests.Infrastructure;

namespace Bastion.Gateway.Tests.Cli;

/// <summary><c>bastion user set</c> changes what it is given and nothing else.</summary>
public sealed class UserSetTests : IDisposable
{
    private readonly TempDirectory _dir = new("bastion-userset");

    private string Data => _dir.SubDirectory("data");

    // Found by a newcomer (issue 14): `--mfa` alone came back with "groups []", silently breaking @group rules.
    [Fact]
    public async Task Setting_the_mfa_policy_keeps_the_groups()
    {
        await GatewayCli.AddUserAsync(Data, "alice", automation: false, "developers", "prod-admins");

        var set = await GatewayCli.RunCheckedAsync(Data, "user", "set", "alice", "--mfa", "key+totp");

        Assert.Contains("groups [developers,prod-admins]", set.StandardOutput, StringComparison.Ordinal);
        var list = await GatewayCli.RunCheckedAsync(Data, "user", "list");
        Assert.Contains("developers,prod-admins", list.StandardOutput, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Groups_are_replaced_when_given_and_cleared_only_when_asked()
    {
        await GatewayCli.AddUserAsync(Data, "bob", automation: false, "developers");

        var replaced = await GatewayCli.RunCheckedAsync(Data, "user", "set", "bob", "--group", "ops", "--group", "web");
        Assert.Contains("groups [ops,web]", replaced.StandardOutput, StringComparison.Ordinal);

        var cleared = await GatewayCli.RunCheckedAsync(Data, "user", "set", "bob", "--no-groups");
        Assert.Contains("groups []", cleared.StandardOutput, StringComparison.Ordinal);

        var both = await GatewayCli.RunAsync(Data, "user", "set", "bob", "--group", "ops", "--no-groups");
        Assert.Equal(2, both.ExitCode);
        Assert.Contains("--no-groups", both.StandardError, StringComparison.Ordinal);

        var nothing = await GatewayCli.RunAsync(Data, "user", "set", "bob");
        Assert.Equal(2, nothing.ExitCode);
        Assert.Contains("nothing to change", nothing.StandardError, StringComparison.Ordinal);
    }

    public void Dispose() => _dir.Dispose();
}
