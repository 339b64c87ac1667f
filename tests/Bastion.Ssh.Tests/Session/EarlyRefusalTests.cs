using System.Diagnostics;
using System.Globalization;
using System.Net;
using Bastion.Ssh.Algorithms.HostKeys;
using Microsoft.Extensions.Logging.Abstractions;

namespace Bastion.Ssh.Tests.Session;

/// <summary>
/// SshServerOptions.RefuseConnection turns a connection away before the key exchange: the real OpenSSH client shows the
/// sentence, and the application's handler never hears of the connection.
/// </summary>
[System.Runtime.Versioning.SupportedOSPlatform("linux")]
public sealed class EarlyRefusalTests
{
    [Fact]
    public async Task A_refused_client_is_told_why_and_the_handler_never_sees_it()
    {
        using var hostKey = Ed25519HostKey.Generate();
        var factory = new CountingFactory();
        var asked = new List<IPEndPoint>();
        var options = new SshServerOptions
        {
            HostKeys = [hostKey],
            RefuseConnection = remote =>
            {
                lock (asked)
                {
                    asked.Add(remote);
                }
                return "Bastion: too many failed attempts from your address; try again in 15 min.";
            },
        };
        await using var server = new SshServer(new IPEndPoint(IPAddress.Loopback, 0), options, factory, NullLoggerFactory.Instance);
        server.Start();

        var stderr = await SshAsync(server.LocalEndPoint.Port);

        Assert.Contains("Bastion: too many failed attempts from your address; try again in 15 min.", stderr, StringComparison.Ordinal);
        Assert.Equal(0, factory.Created);
        Assert.Equal(IPAddress.Loopback, Assert.Single(asked).Address);
    }

    private static async Task<string> SshAsync(int port)
    {
        var start = new ProcessStartInfo("ssh") { RedirectStandardError = true, RedirectStandardOutput = true, RedirectStandardInput = true, UseShellExecute = false };
        foreach (var argument in new[]
        {
            "-F", "/dev/null", "-o", "UserKnownHostsFile=/dev/null", "-o", "StrictHostKeyChecking=no", "-o", "BatchMode=yes",
            "-o", "ConnectTimeout=10", "-p", port.ToString(CultureInfo.InvariantCulture), "tester@127.0.0.1", "true",
        })
        {
            start.ArgumentList.Add(argument);
        }
        using var ssh = Process.Start(start)!;
        ssh.StandardInput.Close();
        var stderr = ssh.StandardError.ReadToEndAsync();
        using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(30));
        await ssh.WaitForExitAsync(timeout.Token);
        Assert.Equal(255, ssh.ExitCode);
        return await stderr;
    }

    private sealed class CountingFactory : ISshSessionHandlerFactory
    {
        private int _created;

        public int Created => Volatile.Read(ref _created);

        public ISshSessionHandler Create(SshConnectionInfo connection)
        {
            Interlocked.Increment(ref _created);
            return new RecordingSessionHandler([], null);
        }
    }
}
