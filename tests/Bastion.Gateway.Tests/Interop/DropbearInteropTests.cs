using System.Globalization;
using Bastion.Gateway.Tests.Infrastructure;

namespace Bastion.Gateway.Tests.Interop;

/// <summary>
/// Dropbear's dbclient 2022.83 (Debian dropbear-bin): the key converted with dropbearconvert, host keys pinned in
/// a private ~/.ssh/known_hosts, the code given in DROPBEAR_PASSWORD (dbclient answers hidden
/// keyboard-interactive prompts with it). The target is reached with dbclient's multihop
/// <c>USER@gateway/PORT,root@web-1.dev</c> (a direct-tcpip channel through the gateway carrying the inner SSH
/// session to the target's sshd). dbclient has no option to start a rekey itself; the rekey case relies on the
/// gateway's.
/// </summary>
public sealed class DropbearInteropTests(InteropFixture fixture) : InteropClientTests(fixture)
{
    protected override string Client => "dbclient";

    protected override async Task<ProcessResult> ListTargetsAsync(InteropLogin login)
    {
        var (key, environment) = await PrepareAsync(login);
        return await ProcessRunner.RunAsync(new ProcessSpec(Tools.Require(Tools.Dbclient), ["-i", key, GatewayHop(login), "list"])
        {
            Environment = environment,
            Timeout = TimeSpan.FromSeconds(60),
        });
    }

    protected override async Task<ProcessResult> TransferAsync(InteropLogin login, InteropPayload payload, long clientRekeyBytes)
    {
        var (key, environment) = await PrepareAsync(login);
        return await ProcessRunner.RunAsync(new ProcessSpec(Tools.Require(Tools.Dbclient),
            ["-i", key, $"{GatewayHop(login)},root@{BastionTestbed.TargetHost}", payload.RemoteCommand])
        {
            Environment = environment,
            StandardInputFile = payload.Upload,
            StandardOutputFile = payload.Received,
            Timeout = TransferTimeout,
        });
    }

    private static string GatewayHop(InteropLogin login) => $"{login.User}@{login.GatewayAddress}/{login.GatewayPort.ToString(CultureInfo.InvariantCulture)}";

    private static async Task<(string Key, Dictionary<string, string?> Environment)> PrepareAsync(InteropLogin login)
    {
        var key = Path.Combine(login.Directory, "key.dropbear");
        (await ProcessRunner.RunAsync(Tools.Require(Tools.Dropbearconvert), "openssh", "dropbear", login.Key.PrivateKeyPath, key)).EnsureSuccess("dropbearconvert");
        var home = Path.Combine(login.Directory, "dbclient-home");
        Directory.CreateDirectory(Path.Combine(home, ".ssh"));
        // dbclient matches known_hosts by host name alone (it has no "[host]:port" form); a key that differs from
        // the pinned one ends the connection with "host key mismatch".
        await File.WriteAllTextAsync(Path.Combine(home, ".ssh", "known_hosts"),
            $"{login.GatewayAddress} {login.GatewayHostKey}\n" +
            $"{BastionTestbed.TargetHost} {login.TargetHostKey}\n");
        return (key, new Dictionary<string, string?> { ["HOME"] = home, ["DROPBEAR_PASSWORD"] = login.Code() });
    }
}
