using System.Diagnostics;
using System.Globalization;
using System.Net;
using System.Net.Sockets;
using Microsoft.Extensions.Logging.Abstractions;

namespace Bastion.Ssh.Tests.Session;

/// <summary>
/// One <see cref="SshServerSession"/> on 127.0.0.1 for a real OpenSSH client: accepts a single connection, runs the
/// session over it (optionally through a stream wrapper) and exposes the session's task.
/// </summary>
internal sealed class InProcessSshServer : IDisposable
{
    private readonly TcpListener _listener = new(IPAddress.Loopback, 0);

    public InProcessSshServer(SshServerOptions options, ISshSessionHandler handler, Func<Stream, Stream>? wrap = null)
    {
        _listener.Start();
        Port = ((IPEndPoint)_listener.LocalEndpoint).Port;
        Session = Task.Run(async () =>
        {
            var socket = await _listener.AcceptSocketAsync();
            Stream stream = new NetworkStream(socket, ownsSocket: true);
            await new SshServerSession(wrap?.Invoke(stream) ?? stream, options, handler, NullLogger.Instance).RunAsync(CancellationToken.None);
        });
    }

    public int Port { get; }

    /// <summary>Completes when the session has ended; faults if anything escaped it.</summary>
    public Task Session { get; }

    /// <summary>
    /// Runs <c>setsid -w ssh</c> (no controlling terminal, so SSH_ASKPASS answers prompts) with a throwaway
    /// known_hosts, the given identity, <paramref name="options"/> and then "tester@127.0.0.1 COMMAND".
    /// </summary>
    public Task<(int ExitCode, string Stdout, string Stderr)> RunSshAsync(string identity, string command, IReadOnlyDictionary<string, string>? environment = null) =>
        RunSshAsync([identity], command, environment);

    /// <summary>As above, offering every key of <paramref name="identities"/> in order (one -i each).</summary>
    public async Task<(int ExitCode, string Stdout, string Stderr)> RunSshAsync(IReadOnlyList<string> identities, string command, IReadOnlyDictionary<string, string>? environment = null)
    {
        var start = new ProcessStartInfo("setsid")
        {
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            RedirectStandardInput = true,
            UseShellExecute = false,
        };
        foreach (var argument in new[]
        {
            "-w", "ssh", "-F", "/dev/null", "-o", "UserKnownHostsFile=/dev/null", "-o", "StrictHostKeyChecking=no", "-o", "IdentitiesOnly=yes",
        }.Concat(identities.SelectMany(i => new[] { "-i", i })).Concat(
        [
            "-o", "ConnectTimeout=10", "-p", Port.ToString(CultureInfo.InvariantCulture), "tester@127.0.0.1", command,
        ]))
        {
            start.ArgumentList.Add(argument);
        }
        foreach (var (name, value) in environment ?? new Dictionary<string, string>())
        {
            start.Environment[name] = value;
        }
        using var ssh = Process.Start(start)!;
        ssh.StandardInput.Close();
        var stdout = ssh.StandardOutput.ReadToEndAsync();
        var stderr = ssh.StandardError.ReadToEndAsync();
        using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(30));
        await ssh.WaitForExitAsync(timeout.Token);
        return (ssh.ExitCode, await stdout, await stderr);
    }

    public void Dispose() => _listener.Stop();
}
