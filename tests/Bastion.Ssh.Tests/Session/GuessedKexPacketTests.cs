using System.Globalization;
using Bastion.Ssh.Algorithms;
using Bastion.Ssh.Algorithms.HostKeys;
using Bastion.Ssh.Tests.Algorithms.Support;

namespace Bastion.Ssh.Tests.Session;

/// <summary>
/// A client may send its first kex packet right after its KEXINIT, guessing the algorithm (RFC 4253 §7). The guess
/// is right only when both sides list the same kex and host-key algorithm first; after a wrong guess the server
/// ignores the guessed packet and the client sends another. Judging the guess by the negotiated algorithm instead
/// answered the guessed packet and then cut the client off ("KEX_ECDH_INIT received outside a key exchange").
/// The exact message sequence comes from a raw client (tests/fixtures/raw-clients/guessed_kex.py), which checks that
/// the reply is signed over the exchange hash of the packet that counts.
/// </summary>
[System.Runtime.Versioning.SupportedOSPlatform("linux")]
public sealed class GuessedKexPacketTests
{
    [Fact]
    public async Task A_wrong_guess_is_ignored_and_the_clients_second_packet_is_answered()
    {
        // Our first kex is mlkem768x25519-sha256; the client's first, curve25519-sha256, is what negotiation picks,
        // yet the guess is wrong because the two lists start differently.
        var (stdout, handler) = await RunAsync(AlgorithmTable.Default, "curve25519-sha256,mlkem768x25519-sha256");
        Assert.Contains("guess wrong", stdout, StringComparison.Ordinal);
        Assert.Contains("sent a second KEX_ECDH_INIT", stdout, StringComparison.Ordinal);
        Assert.Contains("signature verified", stdout, StringComparison.Ordinal);
        Assert.Contains("NEWKEYS exchanged", stdout, StringComparison.Ordinal);
        Assert.Equal(["kex"], handler.Events);
        Assert.Equal("client disconnected", await handler.Disconnected.Task.WaitAsync(TimeSpan.FromSeconds(10)));
    }

    [Fact]
    public async Task A_right_guess_is_answered_as_it_stands()
    {
        var table = AlgorithmTable.Default.Restrict(keyExchanges: ["curve25519-sha256", "diffie-hellman-group14-sha256"]);
        var (stdout, handler) = await RunAsync(table, "curve25519-sha256,diffie-hellman-group14-sha256");
        Assert.Contains("guess right", stdout, StringComparison.Ordinal);
        Assert.DoesNotContain("second KEX_ECDH_INIT", stdout, StringComparison.Ordinal);
        Assert.Contains("signature verified", stdout, StringComparison.Ordinal);
        Assert.Equal(["kex"], handler.Events);
        Assert.Equal("client disconnected", await handler.Disconnected.Task.WaitAsync(TimeSpan.FromSeconds(10)));
    }

    private static async Task<(string Stdout, RecordingSessionHandler Handler)> RunAsync(AlgorithmTable table, string clientKex)
    {
        var script = Path.Combine(AppContext.BaseDirectory, "fixtures", "raw-clients", "guessed_kex.py");
        using var hostKey = Ed25519HostKey.Generate();
        var handler = new RecordingSessionHandler([1, 2, 3], null);
        using var server = new InProcessSshServer(new SshServerOptions { HostKeys = [hostKey], Algorithms = table }, handler);
        var stdout = await PythonClient.RunAsync(script, TimeSpan.FromSeconds(30), server.Port.ToString(CultureInfo.InvariantCulture), clientKex);
        return (stdout, handler);
    }
}
