using Bastion.Ssh.Algorithms.HostKeys;
using Bastion.Ssh.Tests.Algorithms.Support;

namespace Bastion.Ssh.Tests.Session;

/// <summary>
/// The application throws in the middle of a login: the real OpenSSH client is told why in SSH_MSG_DISCONNECT
/// (the application's own sentence for failures it knows, a generic one otherwise) instead of a bare "connection
/// closed", and the server session ends normally with the failure as its reason.
/// </summary>
[System.Runtime.Versioning.SupportedOSPlatform("linux")]
public sealed class HandlerFailureTests : IDisposable
{
    private readonly TempDirectory _dir = new();

    [Fact]
    public async Task A_failure_the_application_knows_is_told_in_its_words()
    {
        var (stderr, reason) = await LoginAgainstAsync(key => new RecordingSessionHandler(key, null)
        {
            FailAuthenticationWith = new TimeoutException("database timeout"),
            Describe = ex => ex is TimeoutException ? "the directory is unreachable; try again in a minute" : null,
        });

        Assert.Contains("the directory is unreachable; try again in a minute", stderr, StringComparison.Ordinal);
        Assert.Contains("the directory is unreachable", reason, StringComparison.Ordinal);
        Assert.Contains("TimeoutException: database timeout", reason, StringComparison.Ordinal);
    }

    [Fact]
    public async Task An_unexpected_failure_is_told_as_a_server_error_without_its_details()
    {
        var (stderr, reason) = await LoginAgainstAsync(key => new RecordingSessionHandler(key, null)
        {
            FailAuthenticationWith = new InvalidOperationException("secret internal detail"),
        });

        Assert.Contains("internal error on the server", stderr, StringComparison.Ordinal);
        Assert.DoesNotContain("secret internal detail", stderr, StringComparison.Ordinal);
        Assert.Contains("secret internal detail", reason, StringComparison.Ordinal); // the operator's record has it
    }

    private async Task<(string Stderr, string Reason)> LoginAgainstAsync(Func<byte[], RecordingSessionHandler> createHandler)
    {
        var key = Path.Combine(_dir.Path, "id");
        if (!File.Exists(key))
        {
            ExternalTool.Run("ssh-keygen", "-q", "-t", "ed25519", "-N", "", "-f", key);
        }
        var blob = Convert.FromBase64String(File.ReadAllText(key + ".pub").Split(' ')[1]);
        using var hostKey = Ed25519HostKey.Generate();
        var handler = createHandler(blob);
        using var server = new InProcessSshServer(new SshServerOptions { HostKeys = [hostKey], AuthFailureDelay = TimeSpan.Zero }, handler);

        var (exitCode, _, stderr) = await server.RunSshAsync(key, "true", new Dictionary<string, string> { ["SSH_ASKPASS_REQUIRE"] = "never" });
        await server.Session.WaitAsync(TimeSpan.FromSeconds(10)); // ends normally: the failure did not escape the session

        Assert.Equal(255, exitCode);
        return (stderr, await handler.Disconnected.Task.WaitAsync(TimeSpan.FromSeconds(5)));
    }

    public void Dispose() => _dir.Dispose();
}
