using System.Globalization;
using Bastion.Gateway.Tests.Infrastructure;

namespace Bastion.Gateway.Tests.Interop;

/// <summary>
/// PuTTY's plink 0.78 (Debian putty-tools): the key converted with puttygen to .ppk, host keys pinned with
/// -hostkey, the code given with -pwfile (plink answers a lone hidden keyboard-interactive prompt with it; -batch
/// stops it from asking anything else). The target is reached with -proxycmd running a second plink with
/// <c>-nc web-1.dev:22</c> through the gateway (PuTTY's ProxyJump), so the inner SSH session is end to end with the
/// target's sshd. For the rekey case the gateway hop also loads a saved session with RekeyBytes=1M (plink's data
/// limit has no command-line flag), so both sides start re-exchanges.
/// </summary>
public sealed class PlinkInteropTests(InteropFixture fixture) : InteropClientTests(fixture)
{
    protected override string Client => "plink";

    protected override async Task<ProcessResult> ListTargetsAsync(InteropLogin login)
    {
        var plink = await PrepareAsync(login, 0);
        return await ProcessRunner.RunAsync(new ProcessSpec(Tools.Require(Tools.Plink), [.. plink.GatewayArguments, login.GatewayAddress, "list"])
        {
            Environment = plink.Environment,
            Timeout = TimeSpan.FromSeconds(60),
        });
    }

    protected override async Task<ProcessResult> TransferAsync(InteropLogin login, InteropPayload payload, long clientRekeyBytes)
    {
        var plink = await PrepareAsync(login, clientRekeyBytes);
        // plink splits -proxycmd with the shell; every path here is under /tmp without spaces.
        var jump = string.Join(' ', [Tools.Plink, .. plink.GatewayArguments, login.GatewayAddress, "-nc", BastionTestbed.TargetHost + ":22"]);
        return await ProcessRunner.RunAsync(new ProcessSpec(Tools.Require(Tools.Plink),
            [.. Common(plink.KeyFile), "-hostkey", login.Bed.Target.HostKeyFingerprint, "-proxycmd", jump, "-l", "root", BastionTestbed.TargetHost, payload.RemoteCommand])
        {
            Environment = plink.Environment,
            StandardInputFile = payload.Upload,
            StandardOutputFile = payload.Received,
            Timeout = TransferTimeout,
        });
    }

    private sealed record Prepared(string KeyFile, IReadOnlyList<string> GatewayArguments, IReadOnlyDictionary<string, string?> Environment);

    private static async Task<Prepared> PrepareAsync(InteropLogin login, long rekeyBytes)
    {
        var home = Path.Combine(login.Directory, "plink-home");
        Directory.CreateDirectory(Path.Combine(home, ".putty", "sessions"));
        var ppk = Path.Combine(login.Directory, "key.ppk");
        (await ProcessRunner.RunAsync(Tools.Require(Tools.Puttygen), login.Key.PrivateKeyPath, "-O", "private", "-o", ppk)).EnsureSuccess("puttygen");
        var codeFile = Path.Combine(login.Directory, "code");
        await File.WriteAllTextAsync(codeFile, login.Code());
        List<string> gateway = [.. Common(ppk), "-hostkey", login.Bed.GatewayHostKeyFingerprint,
            "-P", login.GatewayPort.ToString(CultureInfo.InvariantCulture), "-l", login.User, "-pwfile", codeFile];
        if (rekeyBytes > 0)
        {
            await File.WriteAllTextAsync(Path.Combine(home, ".putty", "sessions", "rekey"), $"RekeyBytes={rekeyBytes.ToString(CultureInfo.InvariantCulture)}\n");
            gateway.InsertRange(0, ["-load", "rekey"]);
        }

        // HOME: plink keeps host keys and saved sessions under ~/.putty; a private one keeps the machine's out.
        return new Prepared(ppk, gateway, new Dictionary<string, string?> { ["HOME"] = home });
    }

    private static string[] Common(string keyFile) => ["-ssh", "-batch", "-noagent", "-i", keyFile];
}
