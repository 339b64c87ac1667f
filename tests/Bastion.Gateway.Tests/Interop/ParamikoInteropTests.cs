using Bastion.Gateway.Tests.Infrastructure;

namespace Bastion.Gateway.Tests.Interop;

/// <summary>
/// Paramiko 2.12 (Debian python3-paramiko), tests/fixtures/interop/paramiko_client.py: auth_publickey then
/// auth_interactive for the code; the target reached by a direct-tcpip channel carrying a whole inner Paramiko
/// Transport (sock=channel) to the target's sshd. For the rekey case it also rekeys on its own every MiB
/// (Packetizer.REKEY_BYTES).
/// </summary>
public sealed class ParamikoInteropTests(InteropFixture fixture) : InteropClientTests(fixture)
{
    private static readonly string[] Script = [InteropBuild.FixturePath("paramiko_client.py")];

    protected override string Client => "paramiko";

    protected override Task<ProcessResult> ListTargetsAsync(InteropLogin login) =>
        LibraryClient.ListTargetsAsync(Tools.Require(Tools.Python3), Script, login);

    protected override Task<ProcessResult> TransferAsync(InteropLogin login, InteropPayload payload, long clientRekeyBytes) =>
        LibraryClient.TransferAsync(Tools.Require(Tools.Python3), Script, login, payload, LibraryClient.SshTarget(login, payload), clientRekeyBytes);
}
