using Bastion.Gateway.Tests.Infrastructure;

namespace Bastion.Gateway.Tests.Interop;

/// <summary>
/// Go 1.19 with golang.org/x/crypto/ssh 0.4.0 (Debian golang-go, golang-golang-x-crypto-dev), the client in
/// tests/fixtures/interop/go built offline at test time (<see cref="InteropBuild.GoClientAsync"/>): PublicKeys then
/// KeyboardInteractive for the code; the target reached by Client.Dial (direct-tcpip) with a whole inner SSH
/// session over that connection (ssh.NewClientConn). For the rekey case it also rekeys on its own every MiB
/// (RekeyThreshold).
/// </summary>
public sealed class GoInteropTests(InteropFixture fixture) : InteropClientTests(fixture)
{
    protected override string Client => "go";

    protected override async Task<ProcessResult> ListTargetsAsync(InteropLogin login) =>
        await LibraryClient.ListTargetsAsync(await InteropBuild.GoClientAsync(), [], login);

    protected override async Task<ProcessResult> TransferAsync(InteropLogin login, InteropPayload payload, long clientRekeyBytes) =>
        await LibraryClient.TransferAsync(await InteropBuild.GoClientAsync(), [], login, payload, LibraryClient.SshTarget(login, payload), clientRekeyBytes);
}
