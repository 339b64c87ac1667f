using Bastion.Gateway.Tests.Infrastructure;

namespace Bastion.Gateway.Tests.Cli;

/// <summary>Audit export settings are checked when serve starts: a wrong one stops it with the key to fix.</summary>
public sealed class AuditExportConfigTests : IDisposable
{
    private readonly TempDirectory _dir = new("bastion-export-config");

    private string Data => _dir.SubDirectory("data");

    [Fact]
    public async Task Bad_export_settings_stop_serve_with_the_key_to_fix()
    {
        var noHost = await GatewayCli.RunAsync(Data, "serve", "--Bastion:Audit:Export:Gelf:Enabled=true");
        Assert.Equal(2, noHost.ExitCode);
        Assert.Contains("Bastion:Audit:Export:Gelf:Host is empty", noHost.StandardError, StringComparison.Ordinal);

        var badFacility = await GatewayCli.RunAsync(Data, "serve", "--Bastion:Audit:Export:Syslog:Enabled=true",
            "--Bastion:Audit:Export:Syslog:Host=127.0.0.1", "--Bastion:Audit:Export:Syslog:Facility=kitchen");
        Assert.Equal(2, badFacility.ExitCode);
        Assert.Contains("Bastion:Audit:Export:Syslog:Facility \"kitchen\" is not a syslog facility", badFacility.StandardError, StringComparison.Ordinal);

        var badTransport = await GatewayCli.RunAsync(Data, "serve", "--Bastion:Audit:Export:Gelf:Transport=pigeon");
        Assert.Equal(2, badTransport.ExitCode);
        Assert.Contains("Transport", badTransport.StandardError, StringComparison.Ordinal);
    }

    public void Dispose() => _dir.Dispose();
}
