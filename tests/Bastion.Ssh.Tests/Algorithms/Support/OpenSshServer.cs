using System.Diagnostics;
using System.Net;
using System.Net.Sockets;

namespace Bastion.Ssh.Tests.Algorithms.Support;

/// <summary>
/// A real OpenSSH sshd (/usr/sbin/sshd -D, run as root) on port 22 of its own loopback alias 127.0.251.y, with
/// the minimal configuration from /work/shared/TESTING.md, logging at DEBUG1 into <see cref="LogFile"/>.
/// 127.0.251.* lies outside the gateway tests' pool (127.0.20-249.*), so the two suites never collide.
/// </summary>
internal sealed class OpenSshServer : IDisposable
{
    private const string Sshd = "/usr/sbin/sshd";
    private readonly Process _process;

    private OpenSshServer(Process process, IPAddress address, string logFile)
    {
        _process = process;
        Address = address;
        LogFile = logFile;
    }

    public IPAddress Address { get; }

    public string LogFile { get; }

    public string Log => File.Exists(LogFile) ? File.ReadAllText(LogFile) : "";

    /// <summary>Starts sshd accepting the public key lines in <paramref name="authorizedKeys"/> (options allowed).</summary>
    public static async Task<OpenSshServer> StartAsync(TempDirectory directory, IEnumerable<string> authorizedKeys)
    {
        if (!File.Exists(Sshd))
        {
            Assert.Fail($"this test needs OpenSSH's server at {Sshd}: apt-get install -y openssh-server");
        }
        Directory.CreateDirectory("/run/sshd"); // privilege-separation directory; sshd refuses to start without it
        var address = FreeAlias();
        var hostKey = directory.File("ssh_host_ed25519_key");
        ExternalTool.Run("ssh-keygen", "-q", "-t", "ed25519", "-N", "", "-f", hostKey);
        var authorizedKeysFile = directory.File("authorized_keys");
        File.WriteAllLines(authorizedKeysFile, authorizedKeys);
        var config = directory.File("sshd_config");
        File.WriteAllLines(config,
        [
            $"ListenAddress {address}",
            "Port 22",
            $"HostKey {hostKey}",
            $"AuthorizedKeysFile {authorizedKeysFile}",
            "PasswordAuthentication no",
            "KbdInteractiveAuthentication no",
            "UsePAM no",
            "StrictModes no",
            "PermitRootLogin prohibit-password",
            $"PidFile {directory.File("sshd.pid")}",
            "LogLevel DEBUG1",
            // root's ~/.bashrc may run "pyenv rehash", which can wait 60 s on a lock a killed session left behind.
            "SetEnv PYENV_REHASH_TIMEOUT=1",
        ]);
        var logFile = directory.File("sshd.log");
        var start = new ProcessStartInfo(Sshd) { UseShellExecute = false, RedirectStandardError = true, RedirectStandardOutput = true };
        foreach (var argument in new[] { "-D", "-f", config, "-E", logFile })
        {
            start.ArgumentList.Add(argument);
        }
        var process = Process.Start(start)!;
        var server = new OpenSshServer(process, address, logFile);
        var deadline = DateTime.UtcNow.AddSeconds(15);
        while (true)
        {
            if (process.HasExited)
            {
                Assert.Fail($"sshd exited with {process.ExitCode} before listening: {process.StandardError.ReadToEnd()}{server.Log}");
            }
            try
            {
                using var probe = new TcpClient();
                await probe.ConnectAsync(address, 22);
                return server;
            }
            catch (SocketException) when (DateTime.UtcNow < deadline)
            {
                await Task.Delay(50);
            }
            catch (SocketException ex)
            {
                server.Dispose();
                Assert.Fail($"sshd did not listen on {address}:22 within 15 s ({ex.Message}): {server.Log}");
            }
        }
    }

    public void Dispose()
    {
        try
        {
            if (!_process.HasExited)
            {
                _process.Kill();
                _process.WaitForExit(5_000);
            }
        }
        catch (InvalidOperationException)
        {
            // Already gone.
        }
        _process.Dispose();
    }

    private static IPAddress FreeAlias()
    {
        var first = Random.Shared.Next(254);
        for (var i = 0; i < 254; i++)
        {
            var address = new IPAddress([127, 0, 251, (byte)(1 + ((first + i) % 254))]);
            try
            {
                using var listener = new TcpListener(address, 22);
                listener.Start();
                return address;
            }
            catch (SocketException)
            {
                // Taken by another run; try the next alias.
            }
        }
        Assert.Fail("port 22 is taken on every 127.0.251.* alias; stop leftover sshd processes (pgrep -a sshd)");
        throw new UnreachableException();
    }
}
