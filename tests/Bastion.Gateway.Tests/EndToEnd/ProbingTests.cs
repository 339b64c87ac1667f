using System.Diagnostics;
using System.Globalization;
using Bastion.Gateway.Tests.Infrastructure;
using Renci.SshNet;
using Renci.SshNet.Common;
using Xunit.Abstractions;

namespace Bastion.Gateway.Tests.EndToEnd;

/// <summary>
/// Probing costs the prober, end to end: a real OpenSSH client offering twelve keys nobody enrolled is cut off after
/// MaxAuthAttempts and its connection writes at most three audit rows; a second client implementation (SSH.NET) trying
/// 1,000 user names over as many connections writes a bounded number of rows and gets its address locked out; and that
/// flood lifts no lockout a user already had. One testbed per test: each locks something out.
/// </summary>
public sealed class ProbingTests(ITestOutputHelper output) : IAsyncLifetime
{
    private BastionTestbed _bed = null!;

    public async Task InitializeAsync() => _bed = await BastionTestbed.StartAsync();

    public async Task DisposeAsync() => await _bed.DisposeAsync();

    [Fact]
    public async Task Twelve_keys_nobody_enrolled_are_cut_off_after_six_and_the_connection_writes_at_most_three_rows()
    {
        await _bed.AddTotpUserAsync("keyring");
        var keys = new List<SshKeyPair>();
        for (var i = 0; i < 12; i++)
        {
            keys.Add(await SshKeyPair.GenerateAsync(_bed.Directory.SubDirectory("stranger-keys"), SshKeyType.Ed25519, $"stranger{i}"));
        }
        var client = _bed.NewClient("keyring", identityFile: keys[0].PrivateKeyPath);

        var result = await client.Ssh.SshAsync(_bed.GatewayEndpoint("keyring"), "list",
            new SshCallOptions { ExtraArgs = keys.Skip(1).SelectMany(k => new[] { "-i", k.PrivateKeyPath }).ToList() });

        Assert.Equal(255, result.ExitCode);
        Assert.Contains("too many authentication failures (6)", result.StandardError, StringComparison.Ordinal);
        Assert.Empty(client.Ssh.AskPass.Prompts);
        var audit = await _bed.WaitForAuditAsync(l => l.Any(e => client.Owns(e) && e.Type == "disconnect"), "the probing connection's disconnect");
        var rows = audit.Where(client.Owns).ToList();
        output.WriteLine($"12 keys offered, {rows.Count} audit rows written:\n{string.Join('\n', rows.Select(r => r.Text))}");
        Assert.True(rows.Count <= 3, $"{rows.Count} audit rows for one probing connection:\n{string.Join('\n', rows.Select(r => r.Text))}");
        Assert.Equal(["kex.completed", "auth.failure", "disconnect"], rows.Select(r => r.Type));
        var disconnect = rows[^1];
        Assert.Equal("6", disconnect["auth_failures"]);
        Assert.Equal("publickey: key not enrolled for this user ×6", disconnect["auth_failure_reasons"]);
        Assert.Contains("too many authentication failures (6)", disconnect["reason"], StringComparison.Ordinal);
        Assert.Equal("keyring", disconnect.User);
    }

    [Fact]
    public async Task A_thousand_names_write_a_bounded_number_of_rows_lock_the_address_out_and_lift_no_lockout_a_user_had()
    {
        // A user guessing codes is locked out first (5 wrong codes on one connection, default MaxFailuresPerUser).
        var secret = await _bed.AddTotpUserAsync("victim");
        var guesser = _bed.NewClient("victim");
        guesser.Ssh.AskPass.SetAnswer(WrongCode(secret));
        var guessing = await guesser.Ssh.SshAsync(_bed.GatewayEndpoint("victim"), "list",
            new SshCallOptions { Options = new Dictionary<string, string> { ["NumberOfPasswordPrompts"] = "5" } });
        Assert.Contains("too many failed attempts", guessing.StandardError, StringComparison.Ordinal);
        await _bed.WaitForAuditAsync(l => l.Any(e => e.Type == "auth.lockout" && e.User == "victim"), "victim's lockout");
        var before = (await AuditTail.ReadAsync(_bed.DataDirectory, 100_000)).Max(e => e.Seq);

        // 1,000 names, one connection each (a connection keeps one name), from 127.0.0.1 with a key nobody enrolled.
        var stranger = await SshKeyPair.GenerateAsync(_bed.Directory.SubDirectory("flood"), SshKeyType.Ed25519, "flood");
        var key = new PrivateKeyFile(stranger.PrivateKeyPath);
        var (tried, refused, other) = (0, 0, new List<string>());
        var clock = Stopwatch.StartNew();
        for (var i = 0; i < 1000 && clock.Elapsed < TimeSpan.FromMinutes(3); i++)
        {
            var name = $"junk{i:D4}";
            var info = new ConnectionInfo(_bed.Gateway.Address.ToString(), _bed.Gateway.Port, name, new PrivateKeyAuthenticationMethod(name, key))
            {
                Timeout = TimeSpan.FromSeconds(10),
            };
            using var client = new SshClient(info);
            client.HostKeyReceived += (_, e) => e.CanTrust = true;
            try
            {
                await client.ConnectAsync(CancellationToken.None);
                other.Add($"{name}: logged in?!");
            }
            catch (SshAuthenticationException)
            {
                tried++; // reached authentication and was refused: a name tried
            }
            catch (Exception ex) when (ex is SshConnectionException or SshException or System.Net.Sockets.SocketException)
            {
                if (ex.Message.Contains("too many failed attempts", StringComparison.Ordinal))
                {
                    refused++;
                }
                else
                {
                    other.Add($"{name}: {ex.GetType().Name}: {ex.Message}");
                }
            }
        }
        var elapsed = clock.Elapsed;

        var after = await _bed.WaitForAuditAsync(l => l.Any(e => e.Type == "auth.lockout" && e["subject"] == "address"), "the address lockout");
        var written = after.Where(e => e.Seq > before).ToList();
        var keyExchanges = written.Count(e => e.Type == "kex.completed");
        output.WriteLine($"1,000 names in {elapsed.TotalSeconds:0.0} s: {tried} refused at authentication, {refused} told the address is locked out " +
            $"({1000 - keyExchanges} of them before the key exchange), {other.Count} other outcomes; {written.Count} audit rows written " +
            $"({string.Join(", ", written.GroupBy(e => e.Type).Select(g => $"{g.Key} {g.Count()}"))})");
        Assert.True(other.Count == 0, string.Join('\n', other.Take(20)));
        Assert.Equal(1000, tried + refused);
        // 20 failures per address (one per connection: SSH.NET offers its one key); the 20th connection is told it is locked
        // out, every later one is refused before the key exchange.
        Assert.InRange(tried, 19, 30);
        Assert.InRange(keyExchanges, 20, 31);
        Assert.True(written.Count <= 3 * 30 + 5, $"{written.Count} audit rows for 1,000 names:\n{string.Join('\n', written.Take(200).Select(e => e.Text))}");
        var lockout = Assert.Single(written, e => e.Type == "auth.lockout");
        Assert.Equal("address", lockout["subject"]);
        Assert.Equal("127.0.0.1", lockout["address"]);

        // The address is refused before the key exchange, with the reason, whoever tries from it …
        await _bed.AddAutomationUserAsync("office-mate");
        var fromFloodAddress = _bed.NewClient("office-mate", sourceAddress: System.Net.IPAddress.Loopback);
        var refusedLogin = await fromFloodAddress.Ssh.SshAsync(_bed.GatewayEndpoint("office-mate"), "list");
        Assert.Equal(255, refusedLogin.ExitCode);
        Assert.Contains("Bastion: too many failed attempts; logins for this account or address are paused. Try again in 15 min.", refusedLogin.StandardError, StringComparison.Ordinal);
        // … while another address logs in.
        var elsewhere = await _bed.NewClient("office-mate").Ssh.SshAsync(_bed.GatewayEndpoint("office-mate"), "list");
        Assert.True(elsewhere.Succeeded, elsewhere.Describe() + _bed.Logs());

        // The flood lifted nothing: the victim, from a fresh address with the right code, is still locked out.
        var victim = _bed.NewClient("victim");
        victim.AnswerTotpWith(secret);
        var rightCode = await victim.Ssh.SshAsync(_bed.GatewayEndpoint("victim"), "list");
        Assert.Equal(255, rightCode.ExitCode);
        Assert.Contains("too many failed attempts", rightCode.StandardError, StringComparison.Ordinal);
        Assert.DoesNotContain(await AuditTail.ReadAsync(_bed.DataDirectory), e => e.Type == "auth.success" && e.User == "victim");
    }

    [Fact]
    public async Task Twenty_connections_guessing_codes_at_once_get_five_checked()
    {
        // Someone holding the key: twenty connections reach the code prompt together and answer at once.
        var secret = await _bed.AddTotpUserAsync("stolen");
        var wrong = WrongCode(secret);
        var clients = Enumerable.Range(0, 20).Select(_ => _bed.NewClient("stolen")).ToList();
        foreach (var client in clients)
        {
            client.Ssh.AskPass.SetAnswer(wrong);
        }

        var results = await Task.WhenAll(clients.Select(c => c.Ssh.SshAsync(_bed.GatewayEndpoint("stolen"), "list",
            new SshCallOptions { Options = new Dictionary<string, string> { ["NumberOfPasswordPrompts"] = "1" } })));

        var audit = await _bed.WaitForAuditAsync(l => clients.All(c => l.Any(e => c.Owns(e) && e.Type == "disconnect")), "every guesser's disconnect");
        var checkedCodes = audit.Where(e => e.Type == "disconnect" && e.User == "stolen")
            .Sum(e => Count(e["auth_failure_reasons"], "keyboard-interactive: wrong TOTP code"));
        var toldLocked = results.Count(r => r.StandardError.Contains("too many failed attempts", StringComparison.Ordinal));
        output.WriteLine($"20 connections guessing at once: {checkedCodes} codes checked, {toldLocked} told the account is locked out");
        Assert.Equal(5, checkedCodes);
        Assert.Equal(16, toldLocked); // the fifth wrong code's answer says so too
        Assert.Single(audit, e => e.Type == "auth.lockout" && e.User == "stolen");
    }

    [Fact]
    public async Task An_unknown_name_and_a_known_name_with_another_key_get_the_same_answer()
    {
        await _bed.AddTotpUserAsync("known");
        var stranger = await SshKeyPair.GenerateAsync(_bed.Directory.SubDirectory("same-answer"), SshKeyType.Ed25519, "stranger");
        var asKnown = _bed.NewClient("known", identityFile: stranger.PrivateKeyPath);
        var asGhost = _bed.NewClient("known", identityFile: stranger.PrivateKeyPath);

        var known = await asKnown.Ssh.SshAsync(_bed.GatewayEndpoint("known"), "list");
        var ghost = await asGhost.Ssh.SshAsync(_bed.GatewayEndpoint("ghost"), "list");

        Assert.Equal(255, known.ExitCode);
        Assert.Equal(known.ExitCode, ghost.ExitCode);
        Assert.Equal(known.StandardError.Replace("known@", "NAME@", StringComparison.Ordinal), ghost.StandardError.Replace("ghost@", "NAME@", StringComparison.Ordinal));
        var audit = await _bed.WaitForAuditAsync(l => l.Count(e => e.Type == "disconnect" && (asKnown.Owns(e) || asGhost.Owns(e))) == 2, "both disconnects");
        // Only the trail, which the prober cannot read, tells them apart.
        Assert.Equal("key not enrolled for this user", Assert.Single(audit, e => e.Type == "auth.failure" && asKnown.Owns(e))["reason"]);
        Assert.Equal("unknown user", Assert.Single(audit, e => e.Type == "auth.failure" && asGhost.Owns(e))["reason"]);
    }

    /// <summary>N of "REASON ×N" in a disconnect's auth_failure_reasons, or 0.</summary>
    private static int Count(string? reasons, string reason) =>
        (reasons ?? "").Split("; ").Where(r => r.StartsWith(reason + " ×", StringComparison.Ordinal))
            .Sum(r => int.Parse(r[(reason.Length + 2)..], CultureInfo.InvariantCulture));

    /// <summary>A code that matches none of the steps the gateway accepts now (±2 steps, to be safe).</summary>
    internal static string WrongCode(string secret)
    {
        var now = DateTimeOffset.UtcNow;
        var valid = Enumerable.Range(-2, 5).Select(o => TotpCode.Compute(secret, now, o)).ToHashSet();
        for (var candidate = 123456; ; candidate = (candidate + 111111) % 1_000_000)
        {
            var text = candidate.ToString("D6", CultureInfo.InvariantCulture);
            if (!valid.Contains(text))
            {
                return text;
            }
        }
    }
}
