using System.Security.Cryptography;
using System.Text.Json;
using Bastion.Gateway.Tests.Infrastructure;

namespace Bastion.Gateway.Tests.EndToEnd;

/// <summary>
/// Recorded mode with the real OpenSSH client and a real sshd target: "ssh -tt gateway root@web-1" is an interactive
/// shell the gateway records, "ssh gateway root@web-1 COMMAND" runs a command with its exit status; each recording
/// exports as asciicast v2 whose SHA-256 is the one sealed into the audit chain, which still verifies.
/// </summary>
public sealed class RecordedSessionTests : IClassFixture<RecordedSessionTests.Fixture>
{
    private readonly BastionTestbed _bed;

    public RecordedSessionTests(Fixture fixture) => _bed = fixture.Bed;

    [Fact]
    public async Task An_interactive_shell_is_recorded_and_its_hash_sealed_into_the_audit_chain()
    {
        var secret = await _bed.AddTotpUserAsync("rec-shell");
        var client = _bed.NewClient("rec-shell");
        client.AnswerTotpWith(secret);

        // The arithmetic proves the shell on the target ran the line: its echo alone would not contain 42.
        var result = await client.Ssh.SshAsync(_bed.GatewayEndpoint("rec-shell"), "root@web-1",
            new SshCallOptions { ExtraArgs = ["-tt"], StandardInput = "echo recorded-$((40+2)) on $(hostname)\nexit\n" });

        Assert.True(result.Succeeded, result.Describe() + _bed.Logs());
        Assert.Contains("recorded-42 on", result.StandardOutput);
        Assert.Contains("Accepted publickey for root", _bed.Target.Log, StringComparison.Ordinal);

        var audit = await _bed.WaitForAuditAsync(l => l.Any(e => client.Owns(e) && e.Type == "channel.close"), "rec-shell's channel.close");
        var sealedEvent = Assert.Single(audit, e => client.Owns(e) && e.Type == "session.recording.sealed");
        Assert.Equal("complete", sealedEvent["status"]);
        var open = Assert.Single(audit, e => client.Owns(e) && e.Type == "channel.open");
        Assert.Equal("recorded", open["mode"]);
        Assert.Equal("root", open["target_user"]);
        Assert.Equal(sealedEvent["recording_id"], open["recording_id"]);

        var cast = await ExportAsync(sealedEvent["recording_id"]!);
        Assert.Equal(sealedEvent["sha256"], Convert.ToHexStringLower(SHA256.HashData(cast)));
        Assert.Equal(sealedEvent["bytes"], cast.Length.ToString(System.Globalization.CultureInfo.InvariantCulture));
        var (header, events) = ParseCast(cast);
        Assert.Equal(2, header.GetProperty("version").GetInt32());
        Assert.Equal("rec-shell on web-1", header.GetProperty("title").GetString());
        var output = string.Concat(events.Where(e => e.Kind == "o").Select(e => e.Text));
        Assert.Contains("recorded-42 on", output);
        Assert.True(events.Zip(events.Skip(1)).All(p => p.First.Time <= p.Second.Time), "event times must not go backwards");
        Assert.DoesNotContain(events, e => e.Kind == "i"); // keystrokes are not recorded by default

        (await GatewayCli.RunCheckedAsync(_bed.DataDirectory, "recording", "verify", sealedEvent["recording_id"]!)).EnsureSuccess("recording verify");
        (await GatewayCli.RunCheckedAsync(_bed.DataDirectory, "audit", "verify")).EnsureSuccess("audit verify");
        var played = await GatewayCli.RunCheckedAsync(_bed.DataDirectory, "recording", "play", sealedEvent["recording_id"]!, "--max-pause", "0");
        Assert.Contains("recorded-42 on", played.StandardOutput);
        Assert.Contains("end of recording", played.StandardError);
        var list = await GatewayCli.RunCheckedAsync(_bed.DataDirectory, "recording", "list", "--user", "rec-shell");
        Assert.Contains(sealedEvent["recording_id"]!, list.StandardOutput);
        Assert.Contains("(shell)", list.StandardOutput);
    }

    [Fact]
    public async Task A_recorded_command_keeps_stdout_stderr_and_its_exit_status()
    {
        await _bed.AddAutomationUserAsync("rec-exec");
        var client = _bed.NewClient("rec-exec");

        var result = await client.Ssh.SshAsync(_bed.GatewayEndpoint("rec-exec"), "root@web-1 echo to-out; echo to-err >&2; read line; echo got-$line; exit 7",
            new SshCallOptions { StandardInput = "piped-input\n" });

        Assert.Equal(7, result.ExitCode);
        Assert.Equal("to-out\ngot-piped-input\n", result.StandardOutput);
        Assert.Contains("to-err", result.StandardError);

        var audit = await _bed.WaitForAuditAsync(l => l.Any(e => client.Owns(e) && e.Type == "channel.close"), "rec-exec's channel.close");
        var close = Assert.Single(audit, e => client.Owns(e) && e.Type == "channel.close");
        Assert.Equal("7", close["exit_status"]);
        var sealedEvent = Assert.Single(audit, e => client.Owns(e) && e.Type == "session.recording.sealed");
        var (_, events) = ParseCast(await ExportAsync(sealedEvent["recording_id"]!));
        var output = string.Concat(events.Where(e => e.Kind == "o").Select(e => e.Text));
        Assert.Contains("to-out", output);
        Assert.Contains("to-err", output);
        Assert.Equal("piped-input\n", string.Concat(events.Where(e => e.Kind == "i").Select(e => e.Text)));
    }

    [Fact]
    public async Task A_target_the_user_may_not_reach_is_refused_with_a_message_and_audited()
    {
        await _bed.AddAutomationUserAsync("rec-denied");
        await GatewayCli.RunCheckedAsync(_bed.DataDirectory, "access", "deny", "rec-denied", "web-*");
        var client = _bed.NewClient("rec-denied");

        var result = await client.Ssh.SshAsync(_bed.GatewayEndpoint("rec-denied"), "root@web-1 echo should-not-run");

        Assert.Equal(1, result.ExitCode);
        Assert.DoesNotContain("should-not-run", result.StandardOutput);
        Assert.Contains("rec-denied may not reach web-1", result.StandardError);
        await _bed.WaitForAuditAsync(l => l.Any(e => client.Owns(e) && e.Type == "channel.denied" && e["mode"] == "recorded"), "rec-denied's channel.denied");
    }

    [Fact]
    public async Task A_changed_target_host_key_is_refused_until_an_admin_forgets_the_pinned_one()
    {
        await _bed.AddAutomationUserAsync("rec-pin");
        var client = _bed.NewClient("rec-pin");
        (await client.Ssh.SshAsync(_bed.GatewayEndpoint("rec-pin"), "root@web-1 true")).EnsureSuccess("first recorded login pins the key");

        // Pretend the target's key changed: replace the pin with another key's fingerprint, as a MITM would look.
        await using (var store = await OpenStoreAsync())
        {
            Assert.True(await store.RemoveTargetHostKeyAsync("web-1"));
            await store.PinTargetHostKeyAsync("web-1", new("ssh-ed25519", "SHA256:AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA", DateTimeOffset.UtcNow));
        }
        var refused = await client.Ssh.SshAsync(_bed.GatewayEndpoint("rec-pin"), "root@web-1 echo should-not-run");
        Assert.Equal(1, refused.ExitCode);
        Assert.DoesNotContain("should-not-run", refused.StandardOutput);
        Assert.Contains("the host key of web-1 changed", refused.StandardError);
        await _bed.WaitForAuditAsync(l => l.Any(e => client.Owns(e) && e.Type == "channel.denied" && e["reason"] == "host key changed"), "the host key refusal");

        (await GatewayCli.RunCheckedAsync(_bed.DataDirectory, "target", "forget-host-key", "web-1")).EnsureSuccess("forget-host-key");
        var again = await client.Ssh.SshAsync(_bed.GatewayEndpoint("rec-pin"), "root@web-1 echo pinned-again");
        Assert.True(again.Succeeded, again.Describe() + _bed.Logs());
        Assert.Equal("pinned-again\n", again.StandardOutput);
        await _bed.WaitForAuditAsync(l => l.Count(e => e.Type == "target.host_key.pinned" && e["target"] == "web-1") >= 2, "the second pin");
    }

    [Fact]
    public async Task A_target_that_does_not_trust_the_gateway_key_gets_a_clear_message()
    {
        await _bed.AddAutomationUserAsync("rec-nokey");
        var client = _bed.NewClient("rec-nokey");

        var result = await client.Ssh.SshAsync(_bed.GatewayEndpoint("rec-nokey"), "nobody@web-1 true");

        Assert.Equal(1, result.ExitCode);
        Assert.Contains("did not accept the gateway's key for nobody", result.StandardError);
        Assert.Contains("bastion recording client-key", result.StandardError);
    }

    [Fact]
    public async Task A_killed_recorded_session_is_still_sealed_and_the_chain_verifies()
    {
        await _bed.AddAutomationUserAsync("rec-kill");
        var client = _bed.NewClient("rec-kill");
        var ssh = client.Ssh.SshAsync(_bed.GatewayEndpoint("rec-kill"), "root@web-1 echo before-kill; sleep 60; echo not-killed",
            new SshCallOptions { Timeout = TimeSpan.FromSeconds(90) });

        var started = await _bed.WaitForAuditAsync(l => l.Any(e => e.Type == "session.recording.started" && e.User == "rec-kill"), "rec-kill's recording start");
        // Kill only once the first line is recorded: the recording starts before the target runs the command, and a
        // loaded run killed it before the command had printed anything.
        await WaitForRecordedTextAsync(Assert.Single(started, e => e.Type == "session.recording.started" && e.User == "rec-kill")["recording_id"]!, "before-kill");
        var sessionId = await WaitForLiveSessionAsync("rec-kill");
        (await GatewayCli.RunCheckedAsync(_bed.DataDirectory, "session", "kill", sessionId)).EnsureSuccess("session kill");
        var result = await ssh;

        Assert.False(result.Succeeded);
        Assert.DoesNotContain("not-killed", result.StandardOutput);
        var audit = await _bed.WaitForAuditAsync(l => l.Any(e => e.Type == "session.recording.sealed" && e.User == "rec-kill"), "rec-kill's recording seal");
        var sealedEvent = Assert.Single(audit, e => e.Type == "session.recording.sealed" && e.User == "rec-kill");
        Assert.Equal("complete", sealedEvent["status"]);
        var (_, events) = ParseCast(await ExportAsync(sealedEvent["recording_id"]!));
        Assert.Contains("before-kill", string.Concat(events.Select(e => e.Text)));
        (await GatewayCli.RunCheckedAsync(_bed.DataDirectory, "recording", "verify", sealedEvent["recording_id"]!)).EnsureSuccess("recording verify");
        (await GatewayCli.RunCheckedAsync(_bed.DataDirectory, "audit", "verify")).EnsureSuccess("audit verify");
        Assert.Single(started, e => e.Type == "session.recording.started" && e.User == "rec-kill");
    }

    [Fact]
    public async Task When_the_store_refuses_the_recording_the_session_is_closed_fail_closed()
    {
        await _bed.AddAutomationUserAsync("rec-fail");
        var client = _bed.NewClient("rec-fail");
        // Output all along, so each periodic flush has a chunk to write and the first one after the seal is refused,
        // however long this test takes to notice the start (with a pause instead, output written before the seal
        // could leave nothing to flush until after it: a loaded run saw the second part get through).
        var ssh = client.Ssh.SshAsync(_bed.GatewayEndpoint("rec-fail"),
            "root@web-1 echo first-part; for i in $(seq 1 150); do echo tick; sleep 0.2; done; echo should-not-run",
            new SshCallOptions { Timeout = TimeSpan.FromSeconds(90) });

        var started = await _bed.WaitForAuditAsync(l => l.Any(e => e.Type == "session.recording.started" && e.User == "rec-fail"), "rec-fail's recording start");
        var recordingId = Assert.Single(started, e => e.Type == "session.recording.started" && e.User == "rec-fail")["recording_id"]!;
        // Seal only once the first part is recorded (and so relayed): a loaded run sealed before the target had run the command.
        await WaitForRecordedTextAsync(recordingId, "first-part");
        // Someone seals the recording behind the gateway's back: its next chunk is refused, as when the store fails.
        await using (var store = await OpenStoreAsync())
        {
            await store.SealRecordingAsync(recordingId, DateTimeOffset.UtcNow, 0, new string('0', 64), "complete");
        }
        var timer = System.Diagnostics.Stopwatch.StartNew();
        var result = await ssh;

        Assert.Equal(255, result.ExitCode);
        Assert.True(timer.Elapsed < TimeSpan.FromSeconds(20), $"the session went on for {timer.Elapsed.TotalSeconds:F0} s after its recording failed");
        Assert.Contains("first-part", result.StandardOutput);
        Assert.DoesNotContain("should-not-run", result.StandardOutput);
        Assert.Contains("the recording of this session failed, so the session was closed", result.StandardError);
        var audit = await _bed.WaitForAuditAsync(l => l.Any(e => e.Type == "channel.close" && e.User == "rec-fail"), "rec-fail's channel.close");
        // The refused write; sealing fails afterwards too (the row is sealed already), which is audited as stage=seal.
        var failed = Assert.Single(audit, e => e.Type == "session.recording.failed" && e.User == "rec-fail" && e["stage"] == "write");
        Assert.Equal("closed", failed["failure_mode"]);
        Assert.Equal("recording failed", Assert.Single(audit, e => e.Type == "channel.close" && e.User == "rec-fail")["reason"]);
    }

    [Fact]
    public async Task A_corrupt_gateway_client_key_is_a_clear_refusal_not_a_hang()
    {
        await _bed.AddAutomationUserAsync("rec-badkey");
        var client = _bed.NewClient("rec-badkey");
        var keyPath = Path.Combine(_bed.DataDirectory, "target_client_key");
        var good = await File.ReadAllBytesAsync(keyPath);
        try
        {
            await File.WriteAllTextAsync(keyPath, "-----BEGIN OPENSSH PRIVATE KEY-----\nnot a key\n-----END OPENSSH PRIVATE KEY-----\n");
            var result = await client.Ssh.SshAsync(_bed.GatewayEndpoint("rec-badkey"), "root@web-1 echo should-not-run",
                new SshCallOptions { Timeout = TimeSpan.FromSeconds(30) });

            Assert.Equal(1, result.ExitCode);
            Assert.Contains("the gateway's key for recorded sessions", result.StandardError);
            await _bed.WaitForAuditAsync(l => l.Any(e => client.Owns(e) && e.Type == "channel.denied" && e["reason"] == "client key unusable"), "the refusal");
        }
        finally
        {
            await File.WriteAllBytesAsync(keyPath, good);
        }
    }

    [Fact]
    public async Task A_target_tagged_recording_required_refuses_proxyjump_and_accepts_a_recorded_session()
    {
        await GatewayCli.AddTargetAsync(_bed.DataDirectory, "vault-1", $"{_bed.Target.Address}:{_bed.Target.Port}", null, "bastion-record=required");
        await _bed.AddAutomationUserAsync("rec-required");
        var client = _bed.NewClient("rec-required");

        var jumped = await client.Ssh.SshAsync("vault-1.dev", "echo should-not-run");
        Assert.NotEqual(0, jumped.ExitCode);
        Assert.DoesNotContain("should-not-run", jumped.StandardOutput);
        Assert.Contains("vault-1 may only be reached in a recorded session", jumped.StandardError);
        await _bed.WaitForAuditAsync(l => l.Any(e => client.Owns(e) && e.Type == "channel.denied" && e["reason"] == "recording required"), "the ProxyJump refusal");

        var recorded = await client.Ssh.SshAsync(_bed.GatewayEndpoint("rec-required"), "root@vault-1 echo recorded-vault");
        Assert.True(recorded.Succeeded, recorded.Describe() + _bed.Logs());
        Assert.Equal("recorded-vault\n", recorded.StandardOutput);

        var listing = await client.Ssh.SshAsync(_bed.GatewayEndpoint("rec-required"), "list");
        Assert.Contains("(recorded sessions only", listing.StandardOutput);
    }

    [Fact]
    public async Task Prune_needs_an_age_and_keeps_recordings_younger_than_it()
    {
        await _bed.AddAutomationUserAsync("rec-prune");
        var client = _bed.NewClient("rec-prune");
        (await client.Ssh.SshAsync(_bed.GatewayEndpoint("rec-prune"), "root@web-1 echo kept")).EnsureSuccess("recorded command");
        await _bed.WaitForAuditAsync(l => l.Any(e => e.Type == "session.recording.sealed" && e.User == "rec-prune"), "rec-prune's seal");

        var noAge = await GatewayCli.RunAsync(_bed.DataDirectory, "recording", "prune");
        Assert.Equal(2, noAge.ExitCode);
        Assert.Contains("--older-than-days", noAge.StandardError);

        var pruned = await GatewayCli.RunCheckedAsync(_bed.DataDirectory, "recording", "prune", "--older-than-days", "1");
        Assert.Contains("deleted 0 recordings", pruned.StandardOutput);
        Assert.Contains("rec-prune", (await GatewayCli.RunCheckedAsync(_bed.DataDirectory, "recording", "list", "--user", "rec-prune")).StandardOutput);
    }

    [Fact]
    public async Task A_target_account_not_allowed_for_recorded_sessions_is_refused_before_any_login()
    {
        await _bed.AddAutomationUserAsync("rec-account");
        var client = _bed.NewClient("rec-account");
        var acceptedBefore = _bed.Target.Log.Split("Accepted publickey").Length;

        var result = await client.Ssh.SshAsync(_bed.GatewayEndpoint("rec-account"), "daemon@web-1 id");

        Assert.Equal(1, result.ExitCode);
        Assert.Contains("as rec-account, root, nobody only, not as daemon", result.StandardError);
        await _bed.WaitForAuditAsync(l => l.Any(e => client.Owns(e) && e.Type == "channel.denied" && e["reason"] == "target user not allowed"), "the refusal");
        Assert.Equal(acceptedBefore, _bed.Target.Log.Split("Accepted publickey").Length);
    }

    [Fact]
    public async Task A_command_flooding_output_faster_than_it_is_recorded_is_closed_not_buffered_without_limit()
    {
        await _bed.AddAutomationUserAsync("rec-flood");
        var client = _bed.NewClient("rec-flood");

        // NUL bytes are written as six-character JSON escapes: recording them is far slower than /dev/zero produces them.
        var result = await client.Ssh.SshAsync(_bed.GatewayEndpoint("rec-flood"), "root@web-1 head -c 2000M /dev/zero",
            new SshCallOptions { Timeout = TimeSpan.FromSeconds(120) });

        Assert.Equal(255, result.ExitCode);
        Assert.Contains("came faster than it could be recorded", result.StandardError);
        var audit = await _bed.WaitForAuditAsync(l => l.Any(e => e.Type == "session.recording.sealed" && e.User == "rec-flood"), "rec-flood's seal");
        Assert.Equal("output overflow", audit.Single(e => e.Type == "channel.close" && e.User == "rec-flood")["reason"]);
        Assert.Equal("complete", audit.Single(e => e.Type == "session.recording.sealed" && e.User == "rec-flood")["status"]);
    }

    [Fact]
    public async Task Without_a_terminal_the_shell_reads_piped_commands_and_returns_their_exit_status()
    {
        await _bed.AddAutomationUserAsync("rec-piped");
        var client = _bed.NewClient("rec-piped");

        var result = await client.Ssh.SshAsync(_bed.GatewayEndpoint("rec-piped"), "root@web-1",
            new SshCallOptions { StandardInput = "echo piped-$((2+3))\nexit 4\n" });

        Assert.Equal(4, result.ExitCode);
        Assert.Equal("piped-5\n", result.StandardOutput);
        var audit = await _bed.WaitForAuditAsync(l => l.Any(e => e.Type == "session.recording.sealed" && e.User == "rec-piped"), "rec-piped's seal");
        var (_, events) = ParseCast(await ExportAsync(audit.Single(e => e.Type == "session.recording.sealed" && e.User == "rec-piped")["recording_id"]!));
        Assert.Contains("piped-5", string.Concat(events.Select(e => e.Text)));
        // Without a terminal the input is the commands: recorded as input events ("i"), not only their output.
        Assert.Equal("echo piped-$((2+3))\nexit 4\n", string.Concat(events.Where(e => e.Kind == "i").Select(e => e.Text)));
    }

    [Fact]
    public async Task The_readme_ssh_config_block_gives_a_recorded_session_under_a_plain_host_name()
    {
        await _bed.AddAutomationUserAsync("rec-config");
        var client = _bed.NewClient("rec-config");
        var gateway = _bed.GatewayEndpoint("rec-config");
        // As in README "Developer laptop": RequestTTY yes there; force here, since the test's stdin is not a terminal.
        client.Ssh.AddHostBlock("web-1.rec", ("HostName", gateway.Host), ("Port", gateway.Port.ToString(System.Globalization.CultureInfo.InvariantCulture)),
            ("User", "rec-config"), ("RequestTTY", "force"), ("RemoteCommand", "root@web-1"));

        var result = await client.Ssh.SshAsync("web-1.rec", null, new SshCallOptions { StandardInput = "echo config-$((1+1))\nexit\n" });

        Assert.True(result.Succeeded, result.Describe() + _bed.Logs());
        Assert.Contains("config-2", result.StandardOutput);
        await _bed.WaitForAuditAsync(l => l.Any(e => e.Type == "session.recording.sealed" && e.User == "rec-config"), "rec-config's seal");
    }

    private async Task<string> WaitForLiveSessionAsync(string user)
    {
        var deadline = DateTime.UtcNow.AddSeconds(30);
        while (DateTime.UtcNow < deadline)
        {
            await using (var store = await OpenStoreAsync())
            {
                if ((await store.ListLiveSessionsAsync()).FirstOrDefault(s => s.UserName == user) is { } live)
                {
                    return live.SessionId;
                }
            }
            await Task.Delay(200);
        }
        throw new TimeoutException($"no live session for {user} within 30 s{_bed.Logs()}");
    }

    /// <summary>Waits (at most 30 s) until the output stored so far for <paramref name="recordingId"/> holds <paramref name="text"/>.</summary>
    private async Task WaitForRecordedTextAsync(string recordingId, string text)
    {
        var deadline = DateTime.UtcNow.AddSeconds(30);
        while (DateTime.UtcNow < deadline)
        {
            await using (var store = await OpenStoreAsync())
            {
                var stored = new System.Text.StringBuilder();
                await foreach (var chunk in store.ReadRecordingAsync(recordingId))
                {
                    stored.Append(System.Text.Encoding.UTF8.GetString(chunk.Span));
                }
                // Output events only: the header's command line holds the same words.
                if (stored.ToString().Split('\n').Skip(1).Any(line => line.Contains(text, StringComparison.Ordinal)))
                {
                    return;
                }
            }
            await Task.Delay(200);
        }
        throw new TimeoutException($"recording {recordingId} did not hold \"{text}\" within 30 s{_bed.Logs()}");
    }

    private async Task<byte[]> ExportAsync(string recordingId)
    {
        var file = Path.Combine(_bed.Directory.Path, recordingId + ".cast");
        (await GatewayCli.RunCheckedAsync(_bed.DataDirectory, "recording", "export", recordingId, "--output", file)).EnsureSuccess("recording export");
        return await File.ReadAllBytesAsync(file);
    }

    private Task<Bastion.Core.Store.Sqlite.SqliteStore> OpenStoreAsync() =>
        Bastion.Core.Store.Sqlite.SqliteStore.OpenAsync(Path.Combine(_bed.DataDirectory, "bastion.db"));

    private static (JsonElement Header, IReadOnlyList<CastEvent> Events) ParseCast(byte[] cast)
    {
        var lines = System.Text.Encoding.UTF8.GetString(cast).Split('\n', StringSplitOptions.RemoveEmptyEntries);
        var header = JsonDocument.Parse(lines[0]).RootElement;
        var events = lines.Skip(1).Select(line =>
        {
            var e = JsonDocument.Parse(line).RootElement;
            return new CastEvent(e[0].GetDouble(), e[1].GetString()!, e[2].GetString()!);
        }).ToList();
        return (header, events);
    }

    private sealed record CastEvent(double Time, string Kind, string Text);

    /// <summary>A testbed whose target trusts the gateway's recorded-session key for root.</summary>
    public sealed class Fixture : TestbedFixture
    {
        /// <summary>Accounts on the target: root (sshd runs as root here) and nobody (which does not trust the gateway key).</summary>
        protected override string[] ServeArguments => [.. RecordedTargetUsers, $"--Bastion:Recording:MaxQueuedCommandOutputBytes={OneMiB}"];

        /// <summary>Small, so that a flood of output overflows it quickly; the other tests print far less.</summary>
        public const int OneMiB = 1024 * 1024;

        public static readonly string[] RecordedTargetUsers =
            ["--Bastion:Recording:AllowedTargetUsers:0=%u", "--Bastion:Recording:AllowedTargetUsers:1=root", "--Bastion:Recording:AllowedTargetUsers:2=nobody"];

        public override async Task InitializeAsync()
        {
            await base.InitializeAsync();
            var key = await GatewayCli.RunCheckedAsync(Bed.DataDirectory, "recording", "client-key");
            Bed.Target.AuthorizeKey(key.StandardOutput.Trim());
        }
    }
}
