using Bastion.Gateway.Tests.Infrastructure;

namespace Bastion.Gateway.Tests.EndToEnd;

/// <summary>
/// Recorded mode with TargetAuthentication=certificate: the gateway logs in with a fresh key and a two-minute OpenSSH
/// user certificate from its CA, which a real sshd accepts through TrustedUserCAKeys alone (no gateway key in any
/// authorized_keys) and logs with the key id that names the Bastion user and session.
/// </summary>
public sealed class RecordedCertificateTests
{
    [Fact]
    public async Task A_target_trusting_the_gateway_ca_accepts_a_per_session_certificate_and_logs_its_key_id()
    {
        await using var bed = await BastionTestbed.StartAsync(
            "--Bastion:Recording:TargetAuthentication=certificate", "--Bastion:Recording:AllowedTargetUsers:0=root");
        var caLine = (await GatewayCli.RunCheckedAsync(bed.DataDirectory, "recording", "ca-key")).StandardOutput.Trim();
        Assert.StartsWith("ssh-ed25519 ", caLine, StringComparison.Ordinal);
        var caFile = Path.Combine(bed.Directory.Path, "trusted_user_ca");
        await File.WriteAllTextAsync(caFile, caLine + "\n");
        await using var certTarget = await SshdTarget.StartAsync(new SshdTargetOptions { ExtraConfig = [$"TrustedUserCAKeys {caFile}"] });
        await GatewayCli.AddTargetAsync(bed.DataDirectory, "cert-1", $"{certTarget.Address}:{certTarget.Port}");
        await bed.AddAutomationUserAsync("rec-cert");
        var client = bed.NewClient("rec-cert");

        var result = await client.Ssh.SshAsync(bed.GatewayEndpoint("rec-cert"), "root@cert-1 echo via-certificate");

        Assert.True(result.Succeeded, result.Describe() + bed.Logs() + "\n--- cert target log ---\n" + certTarget.Log);
        Assert.Equal("via-certificate\n", result.StandardOutput);
        var audit = await bed.WaitForAuditAsync(l => l.Any(e => client.Owns(e) && e.Type == "channel.close"), "rec-cert's channel.close");
        var open = Assert.Single(audit, e => client.Owns(e) && e.Type == "channel.open");
        Assert.Equal("certificate", open["target_auth"]);
        var keyId = open["certificate_key_id"]!;
        Assert.StartsWith("bastion:rec-cert:", keyId, StringComparison.Ordinal);
        // The target's own log ties the login to the Bastion user and session.
        Assert.Contains("ED25519-CERT", certTarget.Log, StringComparison.Ordinal);
        Assert.Contains($"ID {keyId}", certTarget.Log, StringComparison.Ordinal);
        Assert.Contains($"serial {open["certificate_serial"]}", certTarget.Log, StringComparison.Ordinal);

        // web-1 trusts neither the CA nor a gateway key: refused, and the message says what to configure.
        var refused = await client.Ssh.SshAsync(bed.GatewayEndpoint("rec-cert"), "root@web-1 echo should-not-run");
        Assert.Equal(1, refused.ExitCode);
        Assert.Contains("did not accept the gateway's certificate for root", refused.StandardError);
        Assert.Contains("TrustedUserCAKeys", refused.StandardError);
    }
}
