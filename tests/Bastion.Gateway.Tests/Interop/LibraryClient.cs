using System.Globalization;
using Bastion.Gateway.Tests.Infrastructure;

namespace Bastion.Gateway.Tests.Interop;

/// <summary>
/// Runs one of the library clients in tests/fixtures/interop (Paramiko, asyncssh, Go, libssh2), which share one
/// command line: the gateway login (<see cref="InteropLogin.LibraryClientArguments"/>, code in INTEROP_CODE), then
/// either <c>--exec list</c> or a target and command, with the payload on stdin and what came back on stdout.
/// </summary>
public static class LibraryClient
{
    public static Task<ProcessResult> ListTargetsAsync(string program, IReadOnlyList<string> prefix, InteropLogin login) =>
        ProcessRunner.RunAsync(new ProcessSpec(program, [.. prefix, .. login.LibraryClientArguments(), "--exec", "list"])
        {
            Environment = login.CodeEnvironment(),
            Timeout = TimeSpan.FromSeconds(60),
        });

    /// <summary><paramref name="target"/>: the client's own arguments naming where the direct-tcpip channel goes.</summary>
    public static Task<ProcessResult> TransferAsync(string program, IReadOnlyList<string> prefix, InteropLogin login, InteropPayload payload,
        IReadOnlyList<string> target, long clientRekeyBytes) =>
        ProcessRunner.RunAsync(new ProcessSpec(program,
            [.. prefix, .. login.LibraryClientArguments(), .. target,
                .. clientRekeyBytes > 0 ? new[] { "--rekey-bytes", clientRekeyBytes.ToString(CultureInfo.InvariantCulture) } : []])
        {
            Environment = login.CodeEnvironment(),
            StandardInputFile = payload.Upload,
            StandardOutputFile = payload.Received,
            Timeout = InteropClientTests.TransferTimeout,
        });

    /// <summary>An inner SSH session to the real sshd target, running the payload's command there.</summary>
    public static IReadOnlyList<string> SshTarget(InteropLogin login, InteropPayload payload) =>
        ["--target", BastionTestbed.TargetHost, "--target-key", login.TargetHostKey, "--command", payload.RemoteCommand];
}
