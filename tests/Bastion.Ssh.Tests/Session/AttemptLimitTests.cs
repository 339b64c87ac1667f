using Bastion.Ssh.Algorithms.HostKeys;
using Bastion.Ssh.Tests.Algorithms.Support;

namespace Bastion.Ssh.Tests.Session;

/// <summary>
/// MaxAuthAttempts counts every request that does not succeed, as OpenSSH's MaxAuthTries does: a real OpenSSH client
/// offering keys the application does not accept is disconnected once the limit is reached, even though each refusal
/// is only a query (no signature) answered without the failure delay; within the limit the right key still gets in.
/// </summary>
[System.Runtime.Versioning.SupportedOSPlatform("linux")]
public sealed class AttemptLimitTests : IDisposable
{
    private readonly TempDirectory _dir = new();

    [Fact]
    public async Task Eight_unaccepted_keys_are_cut_off_after_the_sixth_query()
    {
        var accepted = Key("accepted");
        var strangers = Enumerable.Range(0, 8).Select(i => Key($"stranger{i}")).ToList();
        var (handler, exitCode, stderr) = await LoginAsync(accepted, strangers);

        Assert.Equal(255, exitCode);
        Assert.Contains("too many authentication failures (6)", stderr, StringComparison.Ordinal);
        var reason = await handler.Disconnected.Task.WaitAsync(TimeSpan.FromSeconds(5));
        Assert.Contains("too many authentication failures (6)", reason, StringComparison.Ordinal);
        // The client offered at most the six keys that were counted: the seventh was never asked about.
        Assert.Equal(6, handler.KeyQueries);
    }

    [Fact]
    public async Task Five_unaccepted_keys_then_the_right_one_still_log_in()
    {
        var accepted = Key("accepted");
        var identities = Enumerable.Range(0, 5).Select(i => Key($"other{i}")).Append(accepted).ToList();
        var (handler, exitCode, stderr) = await LoginAsync(accepted, identities);

        Assert.True(exitCode == 7, stderr);
        Assert.Equal(6, handler.KeyQueries);
    }

    private async Task<(RecordingSessionHandler Handler, int ExitCode, string Stderr)> LoginAsync(string acceptedKey, IReadOnlyList<string> identities)
    {
        var blob = Convert.FromBase64String(File.ReadAllText(acceptedKey + ".pub").Split(' ')[1]);
        using var hostKey = Ed25519HostKey.Generate();
        var handler = new RecordingSessionHandler(blob, null);
        // A long failure delay would show if key queries were delayed: the run below would take 6 × 5 s.
        using var server = new InProcessSshServer(new SshServerOptions { HostKeys = [hostKey], AuthFailureDelay = TimeSpan.FromSeconds(5), MaxAuthAttempts = 6 }, handler);

        var started = DateTime.UtcNow;
        var (exitCode, _, stderr) = await server.RunSshAsync(identities, "true", new Dictionary<string, string> { ["SSH_ASKPASS_REQUIRE"] = "never" });
        await server.Session.WaitAsync(TimeSpan.FromSeconds(10));

        Assert.True(DateTime.UtcNow - started < TimeSpan.FromSeconds(5), $"key queries were delayed: {DateTime.UtcNow - started}");
        return (handler, exitCode, stderr);
    }

    private string Key(string name)
    {
        var path = Path.Combine(_dir.Path, name);
        ExternalTool.Run("ssh-keygen", "-q", "-t", "ed25519", "-N", "", "-f", path);
        return path;
    }

    public void Dispose() => _dir.Dispose();
}
