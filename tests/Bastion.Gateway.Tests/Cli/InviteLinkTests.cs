using Bastion.Gateway.Tests.Infrastructure;

namespace Bastion.Gateway.Tests.Cli;

/// <summary>
/// The invite link the CLI prints is the admin app's public address, read from the configuration both share
/// (BASTION_CONFIG, default /etc/bastion/bastion.json); a newcomer once got a dead http://localhost:8443 link.
/// </summary>
public sealed class InviteLinkTests : IDisposable
{
    private readonly TempDirectory _dir = new("bastion-invite");

    private string Data => _dir.SubDirectory("data");

    [Fact]
    public async Task The_link_uses_the_public_url_from_the_shared_configuration_file()
    {
        var config = _dir.File("bastion.json");
        await File.WriteAllTextAsync(config, """{ "Bastion": { "Admin": { "PublicUrl": "https://bastion-admin.example.test/" } } }""");

        var add = (await ProcessRunner.RunAsync(GatewayBinary.Spec(Data, ["user", "add", "root", "--role", "admin"],
            new Dictionary<string, string?> { ["BASTION_CONFIG"] = config }))).EnsureSuccess("bastion user add --role admin");

        Assert.Contains("https://bastion-admin.example.test/invite/", add.StandardOutput, StringComparison.Ordinal);
        Assert.DoesNotContain("localhost", add.StandardOutput + add.StandardError, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Without_a_public_url_the_link_comes_with_how_to_set_one()
    {
        var add = (await ProcessRunner.RunAsync(GatewayBinary.Spec(Data, ["user", "add", "root", "--role", "admin"],
            new Dictionary<string, string?> { ["BASTION_CONFIG"] = _dir.File("absent.json") }))).EnsureSuccess("bastion user add --role admin");

        Assert.Contains("http://localhost:8443/invite/", add.StandardOutput, StringComparison.Ordinal);
        Assert.Contains("Bastion:Admin:PublicUrl is not set", add.StandardError, StringComparison.Ordinal);
        Assert.Contains("BASTION_CONFIG", add.StandardError, StringComparison.Ordinal);
    }

    public void Dispose() => _dir.Dispose();
}
