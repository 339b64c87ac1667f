using System.Collections.Concurrent;
using System.Net.Sockets;
using System.Text;
using Bastion.Gateway.Tests.Infrastructure;

namespace Bastion.Gateway.Tests.EndToEnd;

/// <summary>
/// The gateway as a service: sd_notify readiness and watchdog pings on NOTIFY_SOCKET, and SIGTERM during a
/// transfer — the session drains, the audit trail is flushed and verifies, and the process exits 0.
/// </summary>
public sealed class ServiceLifecycleTests : IDisposable
{
    private readonly TempDirectory _dir = new("bastion-notify");

    [Fact]
    public async Task Notifies_ready_and_watchdog_then_drains_a_transfer_on_sigterm_and_exits_zero()
    {
        var socketPath = _dir.File("notify.sock");
        using var notify = new Socket(AddressFamily.Unix, SocketType.Dgram, ProtocolType.Unspecified);
        notify.Bind(new UnixDomainSocketEndPoint(socketPath));
        var messages = new ConcurrentQueue<string>();
        using var stopListening = new CancellationTokenSource();
        var listener = Task.Run(async () =>
        {
            var buffer = new byte[4096];
            while (!stopListening.IsCancellationRequested)
            {
                try
                {
                    var read = await notify.ReceiveAsync(buffer, SocketFlags.None, stopListening.Token);
                    messages.Enqueue(Encoding.ASCII.GetString(buffer, 0, read));
                }
                catch (OperationCanceledException)
                {
                    break;
                }
            }
        });

        await using var bed = await BastionTestbed.StartAsync(
            new Dictionary<string, string?> { ["NOTIFY_SOCKET"] = socketPath, ["WATCHDOG_USEC"] = "1000000" },
            "--Bastion:Ssh:ShutdownDrainSeconds=20");
        await WaitUntilAsync(() => messages.Any(m => m.Contains("READY=1", StringComparison.Ordinal)), "READY=1");
        await WaitUntilAsync(() => messages.Count(m => m.Contains("WATCHDOG=1", StringComparison.Ordinal)) >= 2, "two WATCHDOG=1 pings");

        var payload = _dir.File("payload.bin");
        await using (var file = File.Create(payload))
        {
            var chunk = new byte[1 << 20];
            for (var i = 0; i < 64; i++)
            {
                Random.Shared.NextBytes(chunk);
                await file.WriteAsync(chunk);
            }
        }
        await bed.AddAutomationUserAsync("drainer");
        var client = bed.NewClient("drainer");
        // Throttled on the target side so the transfer is still running when SIGTERM arrives.
        var transfer = client.Ssh.SshAsync(BastionTestbed.TargetHost, "sleep 2; wc -c",
            new SshCallOptions { StandardInputFile = payload, Timeout = TimeSpan.FromSeconds(90) });
        await WaitUntilAsync(() => File.Exists(Path.Combine(bed.DataDirectory, "bastion.db")) && LiveSessionExists(bed), "the live session");

        NativeProcess.Signal(bed.Gateway.ProcessId, NativeProcess.SIGTERM);
        var result = await transfer;
        await WaitUntilAsync(() => bed.Gateway.HasExited, "the gateway to exit after SIGTERM");
        var exitCode = bed.Gateway.ExitCode;

        Assert.True(exitCode == 0, $"exit code {exitCode}" + bed.Logs());
        Assert.True(result.Succeeded, result.Describe() + bed.Logs());
        Assert.Equal((64 << 20).ToString(System.Globalization.CultureInfo.InvariantCulture), result.StandardOutput.Trim());
        Assert.Contains(messages, m => m.Contains("STOPPING=1", StringComparison.Ordinal));
        var verify = await GatewayCli.RunCheckedAsync(bed.DataDirectory, "audit", "verify");
        Assert.Contains("audit chain OK", verify.StandardOutput);
        var tail = await GatewayCli.RunCheckedAsync(bed.DataDirectory, "audit", "tail", "-n", "30");
        Assert.Contains("channel.close", tail.StandardOutput);

        await stopListening.CancelAsync();
        await listener;
    }

    public void Dispose() => _dir.Dispose();

    private static bool LiveSessionExists(BastionTestbed bed)
    {
        var list = GatewayCli.RunAsync(bed.DataDirectory, "session", "list").GetAwaiter().GetResult();
        return list.StandardOutput.Contains("drainer", StringComparison.Ordinal);
    }

    private static async Task WaitUntilAsync(Func<bool> condition, string what)
    {
        var deadline = DateTime.UtcNow.AddSeconds(30);
        while (!condition())
        {
            if (DateTime.UtcNow > deadline)
            {
                throw new TimeoutException($"no {what} within 30 s");
            }
            await Task.Delay(100);
        }
    }
}
