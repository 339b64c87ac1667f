using System.Net.Sockets;
using Bastion.Gateway.Tests.Infrastructure;
using Renci.SshNet;
using Renci.SshNet.Common;

namespace Bastion.Gateway.Tests.Interop;

/// <summary>
/// SSH.NET (NuGet, in this process): private key and keyboard-interactive methods, the gateway's host key pinned;
/// the target reached through a ForwardedPortLocal (one direct-tcpip channel per accepted local connection) with a
/// whole second SSH.NET session to the target's sshd over it. SSH.NET cannot start a rekey itself, so the rekey
/// case relies on the gateway's. Its outcome is turned into a <see cref="ProcessResult"/> (exception text as
/// stderr) so failures read like the other clients'.
/// </summary>
public sealed class SshNetInteropTests(InteropFixture fixture) : InteropClientTests(fixture)
{
    protected override string Client => "sshnet";

    protected override Task<ProcessResult> ListTargetsAsync(InteropLogin login) =>
        RunAsync("list on the gateway", async ct =>
        {
            using var gateway = await ConnectAsync(login, ct);
            using var list = gateway.CreateCommand("list");
            await list.ExecuteAsync(ct);
            return (list.ExitStatus ?? -1, list.Result, list.Error);
        });

    protected override Task<ProcessResult> TransferAsync(InteropLogin login, InteropPayload payload, long clientRekeyBytes) =>
        RunAsync("transfer through direct-tcpip", async ct =>
        {
            using var gateway = await ConnectAsync(login, ct);
            var listen = LoopbackAddresses.Shared.Next();
            using var forward = new ForwardedPortLocal(listen.ToString(), (uint)LoopbackAddresses.FreePort(listen), BastionTestbed.TargetHost, 22);
            Exception? forwardError = null;
            forward.Exception += (_, e) => forwardError = e.Exception;
            gateway.AddForwardedPort(forward);
            forward.Start();

            var inner = new ConnectionInfo(forward.BoundHost, (int)forward.BoundPort, "root",
                new PrivateKeyAuthenticationMethod("root", new PrivateKeyFile(login.Key.PrivateKeyPath)));
            using var target = new SshClient(inner);
            target.HostKeyReceived += (_, e) => e.CanTrust = "SHA256:" + e.FingerPrintSHA256 == login.Bed.Target.HostKeyFingerprint;
            await target.ConnectAsync(ct);
            using var command = target.CreateCommand(payload.RemoteCommand);
            var running = command.ExecuteAsync(ct);
            await using (var input = command.CreateInputStream())
            await using (var upload = File.OpenRead(payload.Upload))
            {
                await upload.CopyToAsync(input, ct);
            } // disposing the input stream sends EOF

            await using (var received = File.Create(payload.Received))
            {
                var copy = command.OutputStream.CopyToAsync(received, ct);
                await running;
                await copy;
            }

            forward.Stop();
            return (command.ExitStatus ?? -1, "", command.Error + (forwardError is null ? "" : $"\nforward error: {forwardError}"));
        });

    private static async Task<SshClient> ConnectAsync(InteropLogin login, CancellationToken ct)
    {
        var keyboard = new KeyboardInteractiveAuthenticationMethod(login.User);
        keyboard.AuthenticationPrompt += (_, e) =>
        {
            foreach (var prompt in e.Prompts)
            {
                prompt.Response = prompt.IsEchoed ? "" : login.Code();
            }
        };
        var info = new ConnectionInfo(login.GatewayAddress, login.GatewayPort, login.User,
            new PrivateKeyAuthenticationMethod(login.User, new PrivateKeyFile(login.Key.PrivateKeyPath)), keyboard);
        var client = new SshClient(info);
        client.HostKeyReceived += (_, e) => e.CanTrust = "SHA256:" + e.FingerPrintSHA256 == login.Bed.GatewayHostKeyFingerprint;
        try
        {
            await client.ConnectAsync(ct);
            return client;
        }
        catch
        {
            client.Dispose();
            throw;
        }
    }

    /// <summary>Runs an SSH.NET interaction with the transfer timeout; exceptions become exit code 1 with their text as stderr.</summary>
    private static async Task<ProcessResult> RunAsync(string what, Func<CancellationToken, Task<(int Exit, string Output, string Error)>> body)
    {
        var started = System.Diagnostics.Stopwatch.StartNew();
        using var cts = new CancellationTokenSource(TransferTimeout);
        try
        {
            var (exit, output, error) = await body(cts.Token);
            return new ProcessResult($"SSH.NET: {what}", exit, output, error, false, started.Elapsed);
        }
        catch (Exception e) when (e is SshException or SocketException or IOException or OperationCanceledException or InvalidOperationException)
        {
            return new ProcessResult($"SSH.NET: {what}", 1, "", e.ToString(), cts.IsCancellationRequested, started.Elapsed);
        }
    }
}
