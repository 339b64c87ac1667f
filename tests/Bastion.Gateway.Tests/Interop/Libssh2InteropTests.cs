using System.Globalization;
using Bastion.Gateway.Tests.Infrastructure;

namespace Bastion.Gateway.Tests.Interop;

/// <summary>
/// libssh2 1.10 (Debian libssh2-1-dev), the C client in tests/fixtures/interop/libssh2 built with gcc at test time
/// (<see cref="InteropBuild.Libssh2ClientAsync"/>): publickey from file, then keyboard-interactive for the code.
/// libssh2 cannot run an SSH session inside a channel, so its direct-tcpip channel goes to the checksum server
/// registered as target "sha-1" (<see cref="ChecksumServer"/>), which hashes the 10 MiB upload and sends back a
/// 10 MiB file — the same bytes and checks as the other clients, minus the inner SSH layer. libssh2 has no way to
/// start a rekey itself; the rekey case relies on the gateway's.
/// </summary>
public sealed class Libssh2InteropTests(InteropFixture fixture) : InteropClientTests(fixture)
{
    protected override string Client => "libssh2";

    protected override async Task<ProcessResult> ListTargetsAsync(InteropLogin login) =>
        await LibraryClient.ListTargetsAsync(await InteropBuild.Libssh2ClientAsync(), [], login);

    protected override async Task<ProcessResult> TransferAsync(InteropLogin login, InteropPayload payload, long clientRekeyBytes)
    {
        var server = Fixture.ShaServerOf(login.Bed);
        server.DownloadFile = payload.TargetFile;
        return await LibraryClient.TransferAsync(await InteropBuild.Libssh2ClientAsync(), [], login, payload,
            ["--target", InteropFixture.ShaTargetName, "--target-port", server.Port.ToString(CultureInfo.InvariantCulture)], clientRekeyBytes: 0);
    }
}
