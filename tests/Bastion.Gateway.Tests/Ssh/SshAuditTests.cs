using System.Globalization;
using Bastion.Gateway.Tests.Failures;
using Bastion.Gateway.Tests.Infrastructure;

namespace Bastion.Gateway.Tests.Ssh;

/// <summary>
/// ssh-audit 2.5.0 (Debian 12) grades what the gateway offers: no algorithm may be graded "fail", and every warning is
/// one we know and accept — the two post-2.5.0 algorithms it does not know (ML-KEM hybrid kex, strict kex) and the
/// encrypt-and-MAC MACs offered after the -etm forms for libssh2 1.10.
/// </summary>
public sealed class SshAuditTests : IAsyncLifetime
{
    private static readonly string[] AcceptedWarnings =
    [
        "(kex) mlkem768x25519-sha256 -- [warn] unknown algorithm",
        "(kex) kex-strict-s-v00@openssh.com -- [warn] unknown algorithm",
        "(mac) hmac-sha2-256 -- [warn] using encrypt-and-MAC mode",
        "(mac) hmac-sha2-512 -- [warn] using encrypt-and-MAC mode",
    ];

    private BastionTestbed _bed = null!;

    public async Task InitializeAsync() => _bed = await BastionTestbed.StartWithoutRulesAsync();

    public async Task DisposeAsync() => await _bed.DisposeAsync();

    [Fact]
    public async Task Nothing_the_gateway_offers_is_graded_fail_and_every_warning_is_a_known_one()
    {
        const string sshAudit = "/usr/bin/ssh-audit";
        ProcessRunner.RequireTool(sshAudit, "ssh-audit");
        var audit = await ProcessRunner.RunAsync(new ProcessSpec(sshAudit,
            ["-n", "-p", _bed.Gateway.Port.ToString(CultureInfo.InvariantCulture), _bed.Gateway.Address.ToString()])
        { Timeout = TimeSpan.FromSeconds(60) });
        var lines = audit.StandardOutput.Split('\n').Select(l => string.Join(' ', l.Split(' ', StringSplitOptions.RemoveEmptyEntries))).ToList();
        Assert.True(lines.Any(l => l.StartsWith("(gen) banner: SSH-2.0-Bastion", StringComparison.Ordinal)), audit.Describe());

        Assert.DoesNotContain(lines, l => l.Contains("[fail]", StringComparison.Ordinal));
        var warnings = lines.Where(l => l.Contains("[warn]", StringComparison.Ordinal)).ToList();
        Assert.True(warnings.All(AcceptedWarnings.Contains), "unexpected ssh-audit warnings:\n" + string.Join('\n', warnings.Except(AcceptedWarnings)) + "\n" + audit.Describe());
        Assert.Contains("(enc) chacha20-poly1305@openssh.com -- [info] available since OpenSSH 6.5", lines);
    }
}
