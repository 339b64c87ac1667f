using System.Text.RegularExpressions;
using Bastion.Ssh.Tests.Algorithms.Support;

namespace Bastion.Ssh.Tests.Algorithms.PublicKeys;

/// <summary>
/// Proves the software FIDO provider works with OpenSSH 9.2 end to end: real ssh with
/// -o SecurityKeyProvider=/abs/soft_sk.so logs in to a real sshd, and the provider's switches, set in ssh's
/// environment, reach the provider inside ssh-sk-helper (sshd then refuses what its policy refuses).
/// </summary>
public partial class SecurityKeyOpenSshLoginTests
{
    [Fact]
    public async Task Real_ssh_logs_in_to_real_sshd_with_soft_sk_keys()
    {
        using var directory = new TempDirectory();
        using var sk = new SoftSecurityKey();
        var ecdsa = sk.GenerateKey(SoftSecurityKey.EcdsaKeyType);
        var ed25519 = sk.GenerateKey(SoftSecurityKey.Ed25519KeyType);
        var needsPin = sk.GenerateKey(SoftSecurityKey.Ed25519KeyType);
        using var sshd = await OpenSshServer.StartAsync(directory,
        [
            File.ReadAllText(ecdsa + ".pub").Trim(),
            File.ReadAllText(ed25519 + ".pub").Trim(),
            "verify-required " + File.ReadAllText(needsPin + ".pub").Trim(),
        ]);

        AssertLogsIn(ecdsa);
        Assert.Equal(1u, sk.StoredCounter);
        AssertLogsIn(ed25519);
        Assert.Equal(2u, sk.StoredCounter);
        // sshd saw the same flags and counter the provider signed.
        var reported = SkDetails().Matches(sshd.Log).Select(m => (m.Groups[1].Value, m.Groups[2].Value)).ToList();
        Assert.Equal([("1", "0x01"), ("2", "0x01")], reported);

        sk.NoPresence = true;
        AssertRefused(ecdsa, "user presence (authenticator touch) requirement not met");
        sk.NoPresence = false;

        AssertRefused(needsPin, "user verification requirement not met");
        sk.UserVerified = true;
        AssertLogsIn(needsPin);

        void AssertLogsIn(string key)
        {
            var (exitCode, stdout, stderr) = Ssh(key);
            Assert.True(exitCode == 0 && stdout.Trim() == "sk-login-ok",
                $"ssh -i {Path.GetFileName(key)} exited with {exitCode}: {stderr}{stdout}\n--- sshd log ---\n{sshd.Log}");
        }

        void AssertRefused(string key, string reason)
        {
            var (exitCode, stdout, stderr) = Ssh(key);
            Assert.True(exitCode == 255, $"ssh should have been refused, exited with {exitCode}: {stderr}{stdout}");
            Assert.Contains("Permission denied (publickey)", stderr, StringComparison.Ordinal);
            Assert.Contains(reason, sshd.Log, StringComparison.Ordinal);
        }

        (int, string, string) Ssh(string key) => sk.Run("ssh",
        [
            .. sk.SshOptions,
            "-F", "/dev/null", "-i", key, "-o", "IdentitiesOnly=yes", "-o", "IdentityAgent=none", "-o", "BatchMode=yes",
            "-o", "UserKnownHostsFile=/dev/null", "-o", "StrictHostKeyChecking=no", "-o", "ConnectTimeout=10",
            "-p", "22", $"root@{sshd.Address}", "echo sk-login-ok",
        ]);
    }

    [GeneratedRegex(@"sk_counter = (\d+), sk_flags = (0x[0-9a-f]{2})")]
    private static partial Regex SkDetails();
}
