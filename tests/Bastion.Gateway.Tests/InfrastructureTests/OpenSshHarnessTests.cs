using System.Security.Cryptography;
using Bastion.Gateway.Tests.Infrastructure;

namespace Bastion.Gateway.Tests.InfrastructureTests;

/// <summary>
/// The harness against plain OpenSSH: real ssh/scp/sftp clients, real sshd servers on loopback aliases,
/// ProxyJump through a second sshd. The gateway tests use the same pieces with the gateway as the jump host.
/// </summary>
public class OpenSshHarnessTests
{
    [Fact]
    public async Task Ssh_exec_against_a_real_sshd()
    {
        using var dir = new TempDirectory();
        var key = await SshKeyPair.GenerateAsync(dir.Path);
        await using var sshd = await SshdTarget.StartAsync(new SshdTargetOptions { AuthorizedKeys = [key.PublicKeyLine] });
        var client = new OpenSshClient(dir.SubDirectory("client"), key.PrivateKeyPath);
        client.TrustHostKey(sshd);

        var result = await client.SshAsync(sshd.Endpoint(), "echo hi");

        Assert.True(result.Succeeded, result.Describe() + "\n--- sshd log ---\n" + sshd.Log);
        Assert.Equal("hi\n", result.StandardOutput);
        Assert.Contains(key.Fingerprint, sshd.Log, StringComparison.Ordinal); // LogLevel VERBOSE logs the accepted key
    }

    [Fact]
    public async Task Unknown_host_key_is_rejected_with_strict_checking()
    {
        using var dir = new TempDirectory();
        var key = await SshKeyPair.GenerateAsync(dir.Path);
        await using var sshd = await SshdTarget.StartAsync(new SshdTargetOptions { AuthorizedKeys = [key.PublicKeyLine] });
        var client = new OpenSshClient(dir.SubDirectory("client"), key.PrivateKeyPath);

        var result = await client.SshAsync(sshd.Endpoint(), "echo hi");

        Assert.Equal(255, result.ExitCode);
        Assert.Contains("Host key verification failed", result.StandardError, StringComparison.Ordinal);
    }

    [Fact]
    public async Task ProxyJump_through_one_sshd_to_another()
    {
        using var dir = new TempDirectory();
        var key = await SshKeyPair.GenerateAsync(dir.Path, SshKeyType.Ecdsa);
        await using var jump = await SshdTarget.StartAsync(new SshdTargetOptions { AuthorizedKeys = [key.PublicKeyLine] });
        await using var target = await SshdTarget.StartAsync(new SshdTargetOptions { AuthorizedKeys = [key.PublicKeyLine] });
        var client = new OpenSshClient(dir.SubDirectory("client"), key.PrivateKeyPath);
        client.TrustHostKey(jump);
        client.TrustHostKey(target);

        var result = await client.SshAsync(target.Endpoint(), "echo through-the-jump; echo $SSH_CONNECTION",
            new SshCallOptions { ProxyJump = jump.Endpoint().JumpSpec });

        var logs = $"{result.Describe()}\n--- jump sshd ---\n{jump.Log}\n--- target sshd ---\n{target.Log}";
        Assert.True(result.Succeeded, logs);
        var lines = result.StandardOutput.Split('\n');
        Assert.Equal("through-the-jump", lines[0]);
        // Both servers authenticated the client: the outer connection ended at the jump host, the inner at the target.
        Assert.EndsWith($"{target.Address} {target.Port}", lines[1], StringComparison.Ordinal);
        Assert.Contains("Accepted publickey for root", jump.Log, StringComparison.Ordinal);
        Assert.Contains("Accepted publickey for root", target.Log, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Scp_and_sftp_1MiB_through_ProxyJump_preserve_content()
    {
        using var dir = new TempDirectory();
        var key = await SshKeyPair.GenerateAsync(dir.Path, SshKeyType.Rsa);
        await using var jump = await SshdTarget.StartAsync(new SshdTargetOptions { AuthorizedKeys = [key.PublicKeyLine] });
        await using var target = await SshdTarget.StartAsync(new SshdTargetOptions { AuthorizedKeys = [key.PublicKeyLine] });
        var client = new OpenSshClient(dir.SubDirectory("client"), key.PrivateKeyPath);
        client.TrustHostKey(jump);
        client.TrustHostKey(target);
        var via = new SshCallOptions { ProxyJump = jump.Endpoint().JumpSpec };

        var local = dir.File("one-mib.bin");
        var data = RandomNumberGenerator.GetBytes(1024 * 1024);
        await File.WriteAllBytesAsync(local, data);
        var remote = Path.Combine(target.Directory, "uploaded.bin");

        var up = await client.ScpAsync(local, target.Endpoint().ScpUri(remote), via);
        Assert.True(up.Succeeded, up.Describe() + "\n--- target sshd ---\n" + target.Log);
        Assert.Equal(SHA256.HashData(data), SHA256.HashData(await File.ReadAllBytesAsync(remote)));

        var back = dir.File("downloaded.bin");
        var down = await client.SftpAsync(target.Endpoint(), $"get {remote} {back}\n", via);
        Assert.True(down.Succeeded, down.Describe() + "\n--- target sshd ---\n" + target.Log);
        Assert.Equal(SHA256.HashData(data), SHA256.HashData(await File.ReadAllBytesAsync(back)));

        var sum = await client.SshAsync(target.Endpoint(), $"sha256sum {remote}", via);
        Assert.True(sum.Succeeded, sum.Describe());
        Assert.StartsWith(Convert.ToHexStringLower(SHA256.HashData(data)), sum.StandardOutput, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Askpass_helper_answers_prompts_of_both_hops_and_logs_them()
    {
        // Stand-in for the TOTP prompt: a passphrase-protected key makes ssh (and the inner ProxyJump ssh) ask SSH_ASKPASS.
        using var dir = new TempDirectory();
        const string passphrase = "correct horse battery";
        var key = await SshKeyPair.GenerateAsync(dir.Path, SshKeyType.Ed25519, "id_locked", passphrase);
        await using var jump = await SshdTarget.StartAsync(new SshdTargetOptions { AuthorizedKeys = [key.PublicKeyLine] });
        await using var target = await SshdTarget.StartAsync(new SshdTargetOptions { AuthorizedKeys = [key.PublicKeyLine] });
        var client = new OpenSshClient(dir.SubDirectory("client"), key.PrivateKeyPath);
        client.TrustHostKey(jump);
        client.TrustHostKey(target);

        client.AskPass.SetAnswer("wrong");
        client.AskPass.SetAnswers(passphrase, passphrase);
        var result = await client.SshAsync(target.Endpoint(), "echo unlocked", new SshCallOptions { ProxyJump = jump.Endpoint().JumpSpec });

        Assert.True(result.Succeeded, result.Describe());
        Assert.Equal("unlocked\n", result.StandardOutput);
        var prompts = client.AskPass.Prompts;
        Assert.Equal(2, prompts.Count);
        Assert.All(prompts, p => Assert.StartsWith("Enter passphrase for key", p, StringComparison.Ordinal));
        Assert.DoesNotContain(passphrase, await File.ReadAllTextAsync(client.AskPass.PromptLogPath), StringComparison.Ordinal);

        // sftp -b forces BatchMode=yes unless ours comes first: prove prompts still reach the helper.
        client.AskPass.Reset();
        client.AskPass.SetAnswer(passphrase);
        var sftp = await client.SftpAsync(target.Endpoint(), "pwd\n");
        Assert.True(sftp.Succeeded, sftp.Describe());
        Assert.Single(client.AskPass.Prompts);
    }

    [Fact]
    public async Task Generated_ssh_config_routes_dot_dev_names_through_the_jump_host()
    {
        using var dir = new TempDirectory();
        var key = await SshKeyPair.GenerateAsync(dir.Path);
        await using var jump = await SshdTarget.StartAsync(new SshdTargetOptions { AuthorizedKeys = [key.PublicKeyLine] });
        await using var target = await SshdTarget.StartAsync(new SshdTargetOptions { AuthorizedKeys = [key.PublicKeyLine] });
        var client = new OpenSshClient(dir.SubDirectory("client"), key.PrivateKeyPath);
        client.TrustHostKey(jump);
        // With the gateway, the name stays "web-1.dev" end to end; a plain sshd jump host needs it resolved, so
        // HostName maps it here and HostKeyAlias keeps known_hosts keyed by the .dev name as with the gateway.
        client.TrustHostKey("web-1.dev", 22, target.HostKeyLine);
        client.AddHostBlock("web-1.dev", ("HostName", target.Address.ToString()), ("Port", target.Port.ToString(System.Globalization.CultureInfo.InvariantCulture)), ("HostKeyAlias", "web-1.dev"));
        client.AddHostBlock("*.dev", ("ProxyJump", jump.Endpoint().JumpSpec), ("User", "root"));

        var result = await client.SshAsync("web-1.dev", "hostname >/dev/null && echo ok");

        Assert.True(result.Succeeded, result.Describe() + "\n--- config ---\n" + client.ConfigText);
        Assert.Equal("ok\n", result.StandardOutput);
        Assert.Contains("Host *.dev", await File.ReadAllTextAsync(client.ConfigPath), StringComparison.Ordinal);
    }

    [Fact]
    public async Task Dispose_kills_sshd_and_its_per_connection_children()
    {
        using var dir = new TempDirectory();
        var key = await SshKeyPair.GenerateAsync(dir.Path);
        var sshd = await SshdTarget.StartAsync(new SshdTargetOptions { AuthorizedKeys = [key.PublicKeyLine] });
        var client = new OpenSshClient(dir.SubDirectory("client"), key.PrivateKeyPath);
        client.TrustHostKey(sshd);

        var held = client.SshAsync(sshd.Endpoint(), "echo up; sleep 120", new SshCallOptions { Timeout = TimeSpan.FromSeconds(60) });
        IReadOnlyList<int> children = [];
        for (var i = 0; i < 100 && !NativeProcess.Descendants(sshd.ProcessId).Any(); i++)
        {
            await Task.Delay(100);
        }

        await Task.Delay(500);
        children = NativeProcess.Descendants(sshd.ProcessId);
        Assert.NotEmpty(children);
        var listener = sshd.ProcessId;

        await sshd.DisposeAsync();

        Assert.False(NativeProcess.IsAlive(listener));
        // SIGKILL is delivered at once, but a loaded kernel may take a moment to tear a process down.
        for (var i = 0; i < 50 && children.Any(NativeProcess.IsAlive); i++)
        {
            await Task.Delay(100);
        }
        Assert.All(children, c => Assert.False(NativeProcess.IsAlive(c), $"sshd child {c} survived 5 s after dispose"));
        var result = await held;
        Assert.False(result.TimedOut, result.Describe());
        Assert.NotEqual(0, result.ExitCode);
        Assert.Contains("Server listening on", sshd.Log, StringComparison.Ordinal);
    }
}
