using Bastion.Ssh.Algorithms.HostKeys;
using Bastion.Ssh.Tests.Algorithms.Support;

namespace Bastion.Ssh.Tests.Session;

/// <summary>
/// Key re-exchanges a client starts before authenticating are limited (issue [2/8]): each costs the server a key
/// agreement, so an anonymous peer must not be able to loop on them. Driven by Paramiko (an independent
/// implementation that can re-exchange before it authenticates), against the library's server on loopback.
/// </summary>
[System.Runtime.Versioning.SupportedOSPlatform("linux")]
public sealed class ClientRekeyLimitTests : IDisposable
{
    // Paramiko's Transport.renegotiate_keys() sends KEXINIT and waits for the exchange to finish or the link to drop.
    private const string Script = """
        import sys, paramiko
        t = paramiko.Transport(("127.0.0.1", int(sys.argv[1])))
        t.start_client(timeout=10)
        for n in range(1, int(sys.argv[2]) + 1):
            try:
                t.renegotiate_keys()
                print(f"re-exchange {n}: done", flush=True)
            except Exception as e:
                print(f"re-exchange {n}: refused ({type(e).__name__})", flush=True)
                break
        t.close()
        """;

    private readonly TempDirectory _dir = new();

    [Fact]
    public async Task One_re_exchange_before_authentication_is_answered_and_a_second_ends_the_connection()
    {
        var (stdout, handler, server) = await RunParamikoAsync(new SshServerOptions { HostKeys = [Ed25519HostKey.Generate()] }, reExchanges: 3);
        using (server)
        {
            Assert.Contains("re-exchange 1: done", stdout, StringComparison.Ordinal);
            Assert.Contains("re-exchange 2: refused", stdout, StringComparison.Ordinal);
            Assert.DoesNotContain("re-exchange 3", stdout, StringComparison.Ordinal);
            Assert.Equal(["kex", "rekey"], handler.Events);
            var reason = await handler.Disconnected.Task.WaitAsync(TimeSpan.FromSeconds(10));
            Assert.Contains("more than 1 key re-exchange(s) before authenticating", reason, StringComparison.Ordinal);
        }
    }

    [Fact]
    public async Task The_limit_is_a_setting()
    {
        var options = new SshServerOptions { HostKeys = [Ed25519HostKey.Generate()], MaxClientRekeysBeforeAuth = 2 };
        var (stdout, handler, server) = await RunParamikoAsync(options, reExchanges: 3);
        using (server)
        {
            Assert.Contains("re-exchange 2: done", stdout, StringComparison.Ordinal);
            Assert.Contains("re-exchange 3: refused", stdout, StringComparison.Ordinal);
            Assert.Equal(["kex", "rekey", "rekey"], handler.Events);
        }
    }

    // After logging in with the key and the code: two re-exchanges back to back, each timed.
    private const string AuthenticatedScript = """
        import sys, time, paramiko
        t = paramiko.Transport(("127.0.0.1", int(sys.argv[1])))
        t.start_client(timeout=10)
        t.auth_publickey("tester", paramiko.Ed25519Key.from_private_key_file(sys.argv[3]))
        t.auth_interactive("tester", lambda title, instructions, prompts: ["424242" for _ in prompts])
        for n in range(1, int(sys.argv[2]) + 1):
            started = time.monotonic()
            t.renegotiate_keys()
            print(f"re-exchange {n}: {time.monotonic() - started:.2f} s", flush=True)
        t.close()
        """;

    [Fact]
    public async Task After_authentication_a_second_re_exchange_within_the_interval_waits_for_it()
    {
        var key = Path.Combine(_dir.Path, "id");
        ExternalTool.Run("ssh-keygen", "-q", "-t", "ed25519", "-N", "", "-f", key);
        var blob = Convert.FromBase64String(File.ReadAllText(key + ".pub").Split(' ')[1]);
        var options = new SshServerOptions { HostKeys = [Ed25519HostKey.Generate()], AuthFailureDelay = TimeSpan.Zero, ClientRekeyInterval = TimeSpan.FromSeconds(3) };
        var (stdout, handler, server) = await RunParamikoAsync(options, reExchanges: 2, AuthenticatedScript, blob, "424242", key);
        using (server)
        {
            var seconds = stdout.Split('\n', StringSplitOptions.RemoveEmptyEntries)
                .Select(l => double.Parse(l.Split(':')[1].Trim().Split(' ')[0], System.Globalization.CultureInfo.InvariantCulture)).ToArray();
            Assert.Equal(2, seconds.Length);
            // The login itself was a key exchange moments ago, so even the first waits; nothing moved in between.
            Assert.All(seconds, s => Assert.True(s >= 2.0, $"a re-exchange was answered after {s} s, within the 3 s interval:\n{stdout}"));
            Assert.Equal(["kex", "publickey ssh-ed25519", "code ok", "rekey", "rekey"], handler.Events);
        }
    }

    private Task<(string Stdout, RecordingSessionHandler Handler, InProcessSshServer Server)> RunParamikoAsync(SshServerOptions options, int reExchanges) =>
        RunParamikoAsync(options, reExchanges, Script, [1, 2, 3], null);

    private async Task<(string Stdout, RecordingSessionHandler Handler, InProcessSshServer Server)> RunParamikoAsync(SshServerOptions options, int reExchanges,
        string source, byte[] acceptedKey, string? code, params string[] extra)
    {
        var script = Path.Combine(_dir.Path, "rekey.py");
        await File.WriteAllTextAsync(script, source);
        var handler = new RecordingSessionHandler(acceptedKey, code);
        var server = new InProcessSshServer(options, handler);
        var stdout = await PythonClient.RunAsync(script, TimeSpan.FromSeconds(60),
            [server.Port.ToString(System.Globalization.CultureInfo.InvariantCulture), reExchanges.ToString(System.Globalization.CultureInfo.InvariantCulture), .. extra]);
        return (stdout, handler, server);
    }

    public void Dispose() => _dir.Dispose();
}
