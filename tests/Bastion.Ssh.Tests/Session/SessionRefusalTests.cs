using Bastion.Ssh.Algorithms.HostKeys;
using Bastion.Ssh.Connection;
using Bastion.Ssh.Messages;
using Bastion.Ssh.Tests.Algorithms.Support;

namespace Bastion.Ssh.Tests.Session;

/// <summary>
/// An application refuses a session channel with a reason and a sentence (<see cref="SessionOpenDecision.Reject"/>):
/// the real OpenSSH client prints both ("channel 0: open failed: resource shortage: …"), and the connection stays usable.
/// </summary>
[System.Runtime.Versioning.SupportedOSPlatform("linux")]
public sealed class SessionRefusalTests : IDisposable
{
    private readonly TempDirectory _dir = new();

    [Fact]
    public async Task A_refused_session_shows_the_applications_reason_and_sentence_in_openssh()
    {
        var key = Path.Combine(_dir.Path, "id");
        ExternalTool.Run("ssh-keygen", "-q", "-t", "ed25519", "-N", "", "-f", key);
        var blob = Convert.FromBase64String(File.ReadAllText(key + ".pub").Split(' ')[1]);
        using var hostKey = Ed25519HostKey.Generate();
        var handler = new RecordingSessionHandler(blob, null)
        {
            RefuseSessionsWith = SessionOpenDecision.Reject(ChannelOpenFailureReason.ResourceShortage, "you hold too many sessions; close one and try again"),
        };
        using var server = new InProcessSshServer(new SshServerOptions { HostKeys = [hostKey], AuthFailureDelay = TimeSpan.Zero }, handler);

        var (exitCode, _, stderr) = await server.RunSshAsync(key, "true", new Dictionary<string, string> { ["SSH_ASKPASS_REQUIRE"] = "never" });

        Assert.Equal(255, exitCode);
        Assert.Contains("open failed: resource shortage: you hold too many sessions; close one and try again", stderr, StringComparison.Ordinal);
    }

    public void Dispose() => _dir.Dispose();
}
