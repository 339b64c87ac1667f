using Bastion.Gateway.Tests.Infrastructure;

namespace Bastion.Gateway.Tests.Interop;

/// <summary>
/// asyncssh 2.10 (Debian python3-asyncssh), tests/fixtures/interop/asyncssh_client.py: client key plus a
/// keyboard-interactive handler for the code; the target reached with <c>tunnel=</c> the gateway connection (a
/// direct-tcpip channel carrying a whole inner asyncssh session to the target's sshd). For the rekey case it also
/// rekeys on its own every MiB (rekey_bytes).
/// </summary>
public sealed class AsyncSshInteropTests(InteropFixture fixture) : InteropClientTests(fixture)
{
    private static readonly string[] Script = [InteropBuild.FixturePath("asyncssh_client.py")];

    protected override string Client => "asyncssh";

    protected override Task<ProcessResult> ListTargetsAsync(InteropLogin login) =>
        LibraryClient.ListTargetsAsync(Tools.Require(Tools.Python3), Script, login);

    protected override Task<ProcessResult> TransferAsync(InteropLogin login, InteropPayload payload, long clientRekeyBytes) =>
        LibraryClient.TransferAsync(Tools.Require(Tools.Python3), Script, login, payload, LibraryClient.SshTarget(login, payload), clientRekeyBytes);
}
