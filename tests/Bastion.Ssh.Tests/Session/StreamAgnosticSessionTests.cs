using Bastion.Ssh.Algorithms.HostKeys;
using Bastion.Ssh.Tests.Algorithms.Support;

namespace Bastion.Ssh.Tests.Session;

/// <summary>
/// The server session runs over any duplex stream: here the socket is hidden behind a plain wrapper Stream (no
/// NetworkStream features), and the real OpenSSH client still authenticates (key, then a keyboard-interactive
/// code answered through SSH_ASKPASS) and runs a command with stdout, stderr and exit status.
/// </summary>
[System.Runtime.Versioning.SupportedOSPlatform("linux")]
public sealed class StreamAgnosticSessionTests : IDisposable
{
    private readonly TempDirectory _dir = new();

    [Fact]
    public async Task OpenSsh_client_authenticates_and_runs_exec_over_a_wrapped_stream()
    {
        var key = Path.Combine(_dir.Path, "id");
        ExternalTool.Run("ssh-keygen", "-q", "-t", "ed25519", "-N", "", "-f", key);
        var blob = Convert.FromBase64String(File.ReadAllText(key + ".pub").Split(' ')[1]);
        var askpass = Path.Combine(_dir.Path, "askpass.sh");
        File.WriteAllText(askpass, "#!/bin/sh\necho 424242\n");
        File.SetUnixFileMode(askpass, UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.UserExecute);

        using var hostKey = Ed25519HostKey.Generate();
        var options = new SshServerOptions { HostKeys = [hostKey], AuthFailureDelay = TimeSpan.Zero };
        var handler = new RecordingSessionHandler(blob, "424242");
        using var server = new InProcessSshServer(options, handler, stream => new OpaqueStream(stream));

        var (exitCode, stdout, stderr) = await server.RunSshAsync(key, "hello world", new Dictionary<string, string>
        {
            ["SSH_ASKPASS"] = askpass,
            ["SSH_ASKPASS_REQUIRE"] = "force",
            ["DISPLAY"] = ":0",
        });

        Assert.Equal("ran: hello world\n", stdout);
        Assert.Contains("to stderr", stderr);
        Assert.Equal(7, exitCode);
        await server.Session.WaitAsync(TimeSpan.FromSeconds(10));
        Assert.Equal(["kex", "publickey ssh-ed25519", "code ok"], handler.Events);
        Assert.Equal("client disconnected", await handler.Disconnected.Task);
    }

    public void Dispose() => _dir.Dispose();

    /// <summary>Forwards reads and writes only; hides every NetworkStream/Socket capability.</summary>
    private sealed class OpaqueStream(Stream inner) : Stream
    {
        public override bool CanRead => true;
        public override bool CanSeek => false;
        public override bool CanWrite => true;
        public override long Length => throw new NotSupportedException();
        public override long Position { get => throw new NotSupportedException(); set => throw new NotSupportedException(); }
        public override void Flush() => inner.Flush();
        public override int Read(byte[] buffer, int offset, int count) => inner.Read(buffer, offset, count);
        public override ValueTask<int> ReadAsync(Memory<byte> buffer, CancellationToken cancellationToken = default) => inner.ReadAsync(buffer, cancellationToken);
        public override ValueTask WriteAsync(ReadOnlyMemory<byte> buffer, CancellationToken cancellationToken = default) => inner.WriteAsync(buffer, cancellationToken);
        public override long Seek(long offset, SeekOrigin origin) => throw new NotSupportedException();
        public override void SetLength(long value) => throw new NotSupportedException();
        public override void Write(byte[] buffer, int offset, int count) => inner.Write(buffer, offset, count);
        protected override void Dispose(bool disposing)
        {
            if (disposing)
            {
                inner.Dispose();
            }
            base.Dispose(disposing);
        }
    }
}
