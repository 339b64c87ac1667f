using System.Globalization;
using Bastion.Ssh.Algorithms.HostKeys;

namespace Bastion.Ssh.Tests.Session;

/// <summary>
/// Re-exchange edge cases as OpenSSH 10.x behaves, each as the exact message sequence a raw client sends
/// (tests/fixtures/raw-clients/differential.py; the same rows run against sshd in the gateway's DifferentialTests).
/// The server here re-keys on its own after 32 KiB, so the crossing row really crosses.
/// </summary>
[System.Runtime.Versioning.SupportedOSPlatform("linux")]
public sealed class RekeyEdgeCaseTests
{
    [Fact]
    public async Task Crossing_kexinits_make_one_exchange_and_the_connection_goes_on()
    {
        // RFC 4253 §9: 48 KiB of IGNORE makes the server start its own re-exchange; the client's KEXINIT, right
        // behind, crosses it. Each is the other's answer: one exchange, no second KEXINIT ("answered-20").
        var (answer, handler) = await RunAsync("crossing-kexinit-before-auth");
        Assert.Equal("ignore", answer);
        Assert.Equal(["kex", "rekey"], handler.Events);
    }

    [Fact]
    public async Task A_non_kex_message_inside_a_re_exchange_ends_the_connection()
    {
        // RFC 4253 §7.1; OpenSSH 10.5 ends the connection too.
        var (answer, _) = await RunAsync("service-request-during-rekey-before-auth");
        Assert.Equal("disconnect", answer);
    }

    [Fact]
    public async Task Ext_info_sent_again_after_a_re_exchange_is_ignored()
    {
        var (answer, handler) = await RunAsync("ext-info-after-rekey-before-auth");
        Assert.Equal("ignore", answer);
        Assert.Equal(["kex", "rekey"], handler.Events);
    }

    private static async Task<(string Answer, RecordingSessionHandler Handler)> RunAsync(string row)
    {
        var script = Path.Combine(AppContext.BaseDirectory, "fixtures", "raw-clients", "differential.py");
        using var hostKey = Ed25519HostKey.Generate();
        var handler = new RecordingSessionHandler([1, 2, 3], null);
        using var server = new InProcessSshServer(new SshServerOptions { HostKeys = [hostKey], RekeyAfterBytes = 32 * 1024 }, handler);
        var stdout = await PythonClient.RunAsync(script, TimeSpan.FromSeconds(30), row, "127.0.0.1", server.Port.ToString(CultureInfo.InvariantCulture));
        return (stdout.Trim(), handler);
    }
}
