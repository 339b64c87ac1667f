using Bastion.Gateway.Tests.Infrastructure;

namespace Bastion.Gateway.Tests.Cli;

/// <summary>
/// <c>bastion user list</c> tells the on-call, as the admin Users page does, who can log in and what the others
/// still lack, under the policy in force (a group's, marked @, when it asks more than the user's own).
/// </summary>
public sealed class UserListTests : IDisposable
{
    private readonly TempDirectory _dir = new("bastion-userlist");

    private string Data => _dir.SubDirectory("data");

    [Fact]
    public async Task Each_user_is_ready_or_names_what_is_missing_under_the_policy_in_force()
    {
        var key = await SshKeyPair.GenerateAsync(_dir.SubDirectory("keys"), SshKeyType.Ed25519, "id_alice");
        await GatewayCli.AddUserAsync(Data, "alice");
        await GatewayCli.AddKeyAsync(Data, "alice", key);
        await GatewayCli.AddUserAsync(Data, "bob");
        await GatewayCli.RunCheckedAsync(Data, "group", "require-mfa", "ops", "sk");
        await GatewayCli.AddUserAsync(Data, "carol", automation: false, "ops");
        await GatewayCli.AddUserAsync(Data, "dave");
        await GatewayCli.RunCheckedAsync(Data, "user", "disable", "dave");

        var before = Lines(await GatewayCli.RunCheckedAsync(Data, "user", "list"));
        Assert.EndsWith("needs TOTP", before["alice"], StringComparison.Ordinal);
        Assert.EndsWith("needs SSH key, TOTP", before["bob"], StringComparison.Ordinal);
        Assert.Contains("sk@", before["carol"], StringComparison.Ordinal);
        Assert.EndsWith("needs security-key SSH key", before["carol"], StringComparison.Ordinal);
        Assert.EndsWith("-", before["dave"], StringComparison.Ordinal);

        await GatewayCli.EnrollTotpAsync(Data, "alice");
        var after = Lines(await GatewayCli.RunCheckedAsync(Data, "user", "list"));
        Assert.EndsWith("ready", after["alice"], StringComparison.Ordinal);
    }

    private static Dictionary<string, string> Lines(ProcessResult list) =>
        list.StandardOutput.Split('\n', StringSplitOptions.RemoveEmptyEntries)
            .Select(l => l.TrimEnd())
            .Where(l => !l.StartsWith("NAME", StringComparison.Ordinal) && !l.StartsWith('@') && !l.StartsWith('*'))
            .ToDictionary(l => l.Split(' ')[0], l => l);

    public void Dispose() => _dir.Dispose();
}
