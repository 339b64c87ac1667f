using System.Globalization;
using Bastion.Ssh.Algorithms.HostKeys;
using Bastion.Ssh.Tests.Algorithms.Support;

namespace Bastion.Ssh.Tests.Session;

/// <summary>
/// Some client libraries send SSH_MSG_SERVICE_REQUEST "ssh-userauth" before every authentication method. sshd accepts
/// the repeated request; we answered SSH_MSG_UNIMPLEMENTED, and the client waited for an accept until the login grace
/// time dropped it (issue [4/8]). Paramiko is such a client: publickey, then keyboard-interactive for the code, each
/// after its own service request.
/// </summary>
[System.Runtime.Versioning.SupportedOSPlatform("linux")]
public sealed class RepeatedServiceRequestTests : IDisposable
{
    private const string Script = """
        import sys, paramiko
        t = paramiko.Transport(("127.0.0.1", int(sys.argv[1])))
        t.start_client(timeout=10)
        print("after key:", t.auth_publickey("tester", paramiko.Ed25519Key.from_private_key_file(sys.argv[2])), flush=True)
        print("after code:", t.auth_interactive("tester", lambda title, instructions, prompts: ["424242" for _ in prompts]), flush=True)
        print("authenticated:", t.is_authenticated(), flush=True)
        t.close()
        """;

    private readonly TempDirectory _dir = new();

    [Fact]
    public async Task A_service_request_before_each_method_is_accepted_and_the_login_completes()
    {
        var key = Path.Combine(_dir.Path, "id");
        ExternalTool.Run("ssh-keygen", "-q", "-t", "ed25519", "-N", "", "-f", key);
        var blob = Convert.FromBase64String(File.ReadAllText(key + ".pub").Split(' ')[1]);
        var script = Path.Combine(_dir.Path, "login.py");
        await File.WriteAllTextAsync(script, Script);
        using var hostKey = Ed25519HostKey.Generate();
        // A short grace time: the old behaviour left the client waiting until it ran out.
        var options = new SshServerOptions { HostKeys = [hostKey], AuthFailureDelay = TimeSpan.Zero, LoginGraceTime = TimeSpan.FromSeconds(10) };
        var handler = new RecordingSessionHandler(blob, "424242");
        using var server = new InProcessSshServer(options, handler);

        var stdout = await PythonClient.RunAsync(script, TimeSpan.FromSeconds(30), server.Port.ToString(CultureInfo.InvariantCulture), key);

        Assert.Contains("after key: ['keyboard-interactive']", stdout, StringComparison.Ordinal);
        Assert.Contains("authenticated: True", stdout, StringComparison.Ordinal);
        Assert.Equal(["kex", "publickey ssh-ed25519", "code ok"], handler.Events);
    }

    public void Dispose() => _dir.Dispose();
}
