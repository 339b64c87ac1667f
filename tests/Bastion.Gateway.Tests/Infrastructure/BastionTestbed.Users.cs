using System.Diagnostics;
using System.Globalization;

namespace Bastion.Gateway.Tests.Infrastructure;

/// <summary>
/// Users as the failure-path tests make them: each with its own key, TOTP secret, access rule and OpenSSH client
/// (<see cref="BastionTestUser"/>), checked against the store's audit rows.
/// </summary>
public sealed partial class BastionTestbed
{
    private int _userCounter;

    /// <summary>A user name not used before in this test bed: PREFIX + counter.</summary>
    public string UniqueName(string prefix) => $"{prefix}{Interlocked.Increment(ref _userCounter).ToString(CultureInfo.InvariantCulture)}";

    /// <summary>
    /// Adds a user through the CLI: <c>user add</c>, <c>key add</c>, <c>totp enroll</c> (unless <paramref name="totp"/> is
    /// false) and, if <paramref name="allowPattern"/> is given, <c>access allow USER PATTERN</c>. The key is authorized on
    /// the target; the user's client trusts the gateway and the target (as "web-1" and "web-1.dev").
    /// The client's ssh_config sets NumberOfPasswordPrompts (default 1) for the gateway so each ssh run makes a known
    /// number of code attempts.
    /// </summary>
    public async Task<BastionTestUser> AddUserAsync(string name, string? allowPattern = "*", bool totp = true, int passwordPrompts = 1)
    {
        var home = _dir.SubDirectory("users/" + name);
        var key = await SshKeyPair.GenerateAsync(home, SshKeyType.Ed25519).ConfigureAwait(false);
        await GatewayCli.AddUserAsync(DataDirectory, name).ConfigureAwait(false);
        await GatewayCli.AddKeyAsync(DataDirectory, name, key).ConfigureAwait(false);
        string? secret = null;
        if (totp)
        {
            secret = OtpAuthUri.FindIn((await GatewayCli.RunCheckedAsync(DataDirectory, "totp", "enroll", name, "--no-qr").ConfigureAwait(false)).StandardOutput).Secret;
        }

        if (allowPattern is not null)
        {
            await GatewayCli.AllowAsync(DataDirectory, name, allowPattern).ConfigureAwait(false);
        }

        Target.AuthorizeKey(key.PublicKeyLine);
        return new BastionTestUser(name, key, secret, NewUserClient(home, key.PrivateKeyPath, passwordPrompts));
    }

    /// <summary>An OpenSSH client in <paramref name="home"/> using <paramref name="identityFile"/>, trusting the gateway and the target.</summary>
    public OpenSshClient NewUserClient(string home, string identityFile, int passwordPrompts = 1)
    {
        var client = new OpenSshClient(System.IO.Directory.CreateDirectory(Path.Combine(home, "ssh")).FullName, identityFile);
        client.TrustHostKey(Gateway.Address.ToString(), Gateway.Port, GatewayHostKey);
        client.TrustHostKey(TargetName, 22, Target.HostKeyLine);
        client.TrustHostKey(TargetName + ".dev", 22, Target.HostKeyLine);
        client.AddHostBlock(Gateway.Address.ToString(), ("NumberOfPasswordPrompts", passwordPrompts.ToString(CultureInfo.InvariantCulture)));
        return client;
    }

    /// <summary>
    /// <c>ssh -J USER@gateway root@HOST -- COMMAND</c> with <paramref name="code"/> as the answer to every TOTP prompt
    /// (null: none prepared, askpass fails the prompt).
    /// </summary>
    public Task<ProcessResult> SshThroughGatewayAsync(BastionTestUser user, string? code, string host = TargetName, string command = "echo reached-$(hostname)-ok", OpenSshClient? client = null)
    {
        client ??= user.Client;
        client.AskPass.Reset();
        if (code is not null)
        {
            client.AskPass.SetAnswer(code);
        }

        return client.SshAsync($"ssh://root@{host}:22", command, new SshCallOptions
        {
            ProxyJump = Gateway.Endpoint(user.Name).JumpSpec,
            Timeout = TimeSpan.FromSeconds(45),
        });
    }

    /// <summary>Logs in as <paramref name="user"/> with a fresh code and asserts the command ran on the target.</summary>
    public async Task<ProcessResult> LoginAsync(BastionTestUser user)
    {
        var result = await SshThroughGatewayAsync(user, await user.FreshCodeAsync().ConfigureAwait(false)).ConfigureAwait(false);
        Assert.True(result.Succeeded && result.StandardOutput.Contains("-ok", StringComparison.Ordinal),
            $"login of {user.Name} through the gateway to {TargetName} failed\n{result.Describe()}\n{Logs()}");
        return result;
    }

    /// <summary>
    /// The "gateway still serves" check: a brand-new user (key + TOTP) logs in through the gateway and runs a command
    /// on the target; also asserts the gateway process is still the one started (it did not crash and restart).
    /// </summary>
    public async Task AssertStillServesAsync()
    {
        Assert.False(Gateway.HasExited, $"the gateway exited (code {Gateway.ExitCode})\n{Logs()}");
        var user = await AddUserAsync(UniqueName("good"), TargetName).ConfigureAwait(false);
        await LoginAsync(user).ConfigureAwait(false);
        Assert.False(Gateway.HasExited, $"the gateway exited (code {Gateway.ExitCode})\n{Logs()}");
    }

    /// <summary>All audit events after <paramref name="afterSeq"/>, straight from the SQLite store (read-only).</summary>
    public IReadOnlyList<AuditRow> ReadAudit(long afterSeq = 0) => AuditDatabase.Read(DatabasePath, afterSeq);

    /// <summary>Polls the store (bounded by <paramref name="timeout"/>, default 10 s) until an event matches; fails with the trail so far.</summary>
    public async Task<AuditRow> WaitForAuditRowAsync(Func<AuditRow, bool> predicate, string description, TimeSpan? timeout = null)
    {
        var limit = timeout ?? TimeSpan.FromSeconds(10);
        var sw = Stopwatch.StartNew();
        IReadOnlyList<AuditRow> rows = [];
        while (true)
        {
            rows = ReadAudit();
            if (rows.FirstOrDefault(predicate) is { } found)
            {
                return found;
            }

            if (sw.Elapsed > limit)
            {
                Assert.Fail($"no audit event {description} within {limit.TotalSeconds} s; the trail has:\n" +
                            string.Join('\n', rows.TakeLast(60)) + "\n" + Logs());
            }

            await Task.Delay(100).ConfigureAwait(false);
        }
    }

    /// <summary><c>bastion audit tail -n N</c> output.</summary>
    public async Task<string> AuditTailAsync(int lines = 200) =>
        (await GatewayCli.RunCheckedAsync(DataDirectory, "audit", "tail", "-n", lines.ToString(CultureInfo.InvariantCulture)).ConfigureAwait(false)).StandardOutput;
}
