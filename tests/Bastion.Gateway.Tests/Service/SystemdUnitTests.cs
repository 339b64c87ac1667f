using System.Globalization;
using System.Text.RegularExpressions;
using Bastion.Gateway.Tests.Infrastructure;

namespace Bastion.Gateway.Tests.Service;

/// <summary>The shipped units parse, and their sandboxing keeps systemd's exposure score at 2.0 or below.</summary>
public sealed partial class SystemdUnitTests
{
    private const string SystemdAnalyze = "/usr/bin/systemd-analyze";

    [Theory]
    [InlineData("bastion-gateway.service")]
    [InlineData("bastion-admin.service")]
    [InlineData("bastion-backup.service")]
    public async Task Unit_verifies_and_its_exposure_is_at_most_two(string unit)
    {
        ProcessRunner.RequireTool(SystemdAnalyze, "systemd");
        var path = Path.Combine(RepositoryRoot.Path, "systemd", unit);

        // The backup timer is checked with the service it starts.
        string[] paths = unit == "bastion-backup.service" ? [path, Path.ChangeExtension(path, ".timer")] : [path];
        var verify = await ProcessRunner.RunAsync(SystemdAnalyze, ["verify", "--man=no", .. paths]);
        Assert.True(verify.Succeeded, verify.Describe());

        var security = await ProcessRunner.RunAsync(SystemdAnalyze, "--offline=true", "security", path);
        var match = ExposureLine().Match(security.StandardOutput);
        Assert.True(match.Success, security.Describe());
        var exposure = double.Parse(match.Groups[1].Value, CultureInfo.InvariantCulture);
        Console.WriteLine($"{unit}: exposure {exposure}");
        Assert.True(exposure <= 2.0, $"{unit} exposure {exposure} is above 2.0:\n{security.StandardOutput}");
    }

    [GeneratedRegex(@"Overall exposure level for \S+: (\d+\.\d+)")]
    private static partial Regex ExposureLine();
}
