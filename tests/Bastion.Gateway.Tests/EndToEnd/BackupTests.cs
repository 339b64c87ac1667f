using System.Security.Cryptography;
using Bastion.Gateway.Tests.Infrastructure;

namespace Bastion.Gateway.Tests.EndToEnd;

/// <summary>
/// <c>bastion backup create|check</c>: a copy taken while a gateway serves a session and other processes write is
/// consistent, private and audited, and restores to a gateway that logs a TOTP user in; a damaged or edited copy
/// fails the check; wrong uses are refused with what to do.
/// </summary>
public sealed class BackupTests : IAsyncLifetime
{
    private BastionTestbed? _bed;
    private GatewayProcess? _restored;

    [Fact]
    public async Task A_copy_taken_under_load_restores_to_a_gateway_that_logs_users_in()
    {
        var bed = _bed = await BastionTestbed.StartAsync();
        await bed.AddAutomationUserAsync("busy");
        var secret = await bed.AddTotpUserAsync("later");
        var session = bed.NewClient("busy").Ssh.SshAsync(BastionTestbed.TargetHost, "sleep 4; echo finished", new SshCallOptions { Timeout = TimeSpan.FromSeconds(60) });
        await bed.WaitForAuditAsync(l => l.Any(e => e.Type == "channel.open" && e.User == "busy"), "the busy user's channel.open");
        // Other processes keep appending to the chain while the copy is taken.
        var writers = Enumerable.Range(0, 2).Select(w => Task.Run(async () =>
        {
            for (var i = 0; i < 4; i++)
            {
                await GatewayCli.RunCheckedAsync(bed.DataDirectory, "user", "add", $"writer{w}x{i}");
            }
        })).ToList();
        using var backups = new TempDirectory("bastion-backup");
        var copy = backups.File("bastion-copy.db");

        var create = await GatewayCli.RunAsync(bed.DataDirectory, "backup", "create", copy);
        await Task.WhenAll(writers);
        var transferred = await session;

        Assert.True(create.ExitCode == 0, create.Describe());
        Assert.True(transferred.Succeeded && transferred.StandardOutput.Contains("finished", StringComparison.Ordinal), "the session did not survive the backup: " + transferred.Describe());
        Assert.Contains("pages: ok", create.StandardOutput, StringComparison.Ordinal);
        Assert.Contains("audit chain OK", create.StandardOutput, StringComparison.Ordinal);
        Assert.Contains("secret.key", create.StandardOutput, StringComparison.Ordinal);
        Assert.Equal(UnixFileMode.UserRead | UnixFileMode.UserWrite, File.GetUnixFileMode(copy));
        Assert.Equal(["bastion-copy.db"], Directory.GetFiles(backups.Path).Select(Path.GetFileName));
        var sha256 = Convert.ToHexStringLower(SHA256.HashData(await File.ReadAllBytesAsync(copy)));
        var audited = Assert.Single(await AuditTail.ReadAsync(bed.DataDirectory), e => e.Type == "store.backup");
        Assert.Equal(sha256, audited["sha256"]);
        Assert.Equal(copy, audited["path"]);

        var check = await GatewayCli.RunAsync(bed.DataDirectory, "backup", "check", copy);
        Assert.True(check.ExitCode == 0, check.Describe());
        Assert.Contains(sha256, check.StandardOutput, StringComparison.Ordinal);
        Assert.Contains($"provenance: written by cli:", check.StandardOutput, StringComparison.Ordinal);
        Assert.Contains($"audit event #{audited.Seq}", check.StandardOutput, StringComparison.Ordinal);

        // Restore as the README says: the copy as bastion.db, with the secret key and host key kept apart from it.
        var restoredData = backups.SubDirectory("restored");
        File.Copy(copy, Path.Combine(restoredData, "bastion.db"));
        File.Copy(Path.Combine(bed.DataDirectory, "secret.key"), Path.Combine(restoredData, "secret.key"));
        File.Copy(Path.Combine(bed.DataDirectory, "ssh_host_ed25519_key"), Path.Combine(restoredData, "ssh_host_ed25519_key"));
        var (address, port) = LoopbackAddresses.Shared.NextEndpoint(22);
        var restored = _restored = await GatewayProcess.StartAsync(restoredData, address, port, ["--Bastion:Ssh:AuthFailureDelayMilliseconds=100"]);

        var client = bed.NewClientVia(restored, "later");
        client.AnswerTotpWith(secret);
        var login = await client.Ssh.SshAsync(BastionTestbed.TargetHost, "echo restored");
        Assert.True(login.Succeeded && login.StandardOutput.Contains("restored", StringComparison.Ordinal), login.Describe() + "\n" + restored.Output);
        // The session that was open when the copy was taken is not left "live" in the restored store.
        await AuditTail.WaitForAsync(restoredData, l => l.Any(e => e.Type == "session.lost" && e.User == "busy"), "session.lost for the session open at backup time");
        var verify = await GatewayCli.RunCheckedAsync(restoredData, "audit", "verify");
        Assert.Contains("audit chain OK", verify.StandardOutput, StringComparison.Ordinal);
    }

    [Fact]
    public async Task A_damaged_or_edited_copy_fails_the_check_and_wrong_uses_are_refused()
    {
        using var dir = new TempDirectory("bastion-backup");
        var data = dir.SubDirectory("data");
        await GatewayCli.AddUserAsync(data, "alice");
        var copy = dir.File("copy.db");
        (await GatewayCli.RunAsync(data, "backup", "create", copy)).EnsureSuccess("backup create");

        var again = await GatewayCli.RunAsync(data, "backup", "create", copy);
        Assert.Equal(4, again.ExitCode);
        Assert.Contains("never overwrites", again.StandardError, StringComparison.Ordinal);
        var nowhere = await GatewayCli.RunAsync(data, "backup", "create", dir.File("missing-dir/copy.db"));
        Assert.Equal(2, nowhere.ExitCode);
        Assert.Contains("does not exist; create it first", nowhere.StandardError, StringComparison.Ordinal);
        var noStore = await ProcessRunner.RunAsync(new ProcessSpec(GatewayBinary.DotnetHost,
            [GatewayBinary.RequireBastionDll(), "--data", dir.File("not-a-data-dir"), "backup", "create", dir.File("empty.db")]) { WorkingDirectory = dir.Path });
        Assert.Equal(3, noStore.ExitCode);
        Assert.False(Directory.Exists(dir.File("not-a-data-dir")), "backup create made a data directory (and an empty store to copy)");
        var postgres = await ProcessRunner.RunAsync(GatewayBinary.Spec(data, ["backup", "create", dir.File("pg.db")],
            new Dictionary<string, string?> { ["Bastion__Store__Provider"] = "postgres", ["Bastion__Store__ConnectionString"] = "Host=127.0.0.1;Port=1;Database=none" }));
        Assert.Equal(2, postgres.ExitCode);
        Assert.Contains("pg_dump", postgres.StandardError, StringComparison.Ordinal);

        var edited = dir.File("edited.db");
        File.Copy(copy, edited);
        Assert.Equal(1, AuditDatabase.Execute(edited, "UPDATE audit_events SET data = replace(data, 'alice', 'mallory') WHERE seq = 1;"));
        var editedCheck = await GatewayCli.RunAsync(data, "backup", "check", edited);
        Assert.Equal(1, editedCheck.ExitCode);
        Assert.Contains("audit chain BROKEN at event 1", editedCheck.StandardOutput, StringComparison.Ordinal);

        // Changed outside the audit tables: the chain still verifies, but no store.backup event wrote this file.
        var doctored = dir.File("doctored.db");
        File.Copy(copy, doctored);
        Assert.Equal(1, AuditDatabase.Execute(doctored,
            "INSERT INTO access_rules (subject, target_pattern, effect, created_at) VALUES ('*', '*', 'allow', '2030-01-01T00:00:00.0000000Z');"));
        var doctoredCheck = await GatewayCli.RunAsync(data, "backup", "check", doctored);
        Assert.Equal(1, doctoredCheck.ExitCode);
        Assert.Contains("audit chain OK", doctoredCheck.StandardOutput, StringComparison.Ordinal);
        Assert.Contains("provenance: NONE", doctoredCheck.StandardOutput, StringComparison.Ordinal);
        var original = await GatewayCli.RunAsync(data, "backup", "check", copy);
        Assert.True(original.ExitCode == 0, original.Describe());

        var damaged = dir.File("damaged.db");
        var bytes = await File.ReadAllBytesAsync(copy);
        var pageSize = (bytes[16] << 8) | bytes[17];
        Assert.True(bytes.Length >= 4 * pageSize, $"the copy has fewer than 4 pages of {pageSize} bytes");
        // Pages 2 to the end lose their b-tree headers (page 1, the schema, stays readable).
        for (var page = 1; page < bytes.Length / pageSize; page++)
        {
            Array.Fill(bytes, (byte)0xA5, page * pageSize, 16);
        }
        await File.WriteAllBytesAsync(damaged, bytes);
        var damagedCheck = await GatewayCli.RunAsync(data, "backup", "check", damaged);
        Assert.True(damagedCheck.ExitCode == 1, damagedCheck.Describe());
        Assert.Matches("pages: DAMAGED|not a usable SQLite database", damagedCheck.StandardOutput + damagedCheck.StandardError);

        var missing = await GatewayCli.RunAsync(data, "backup", "check", dir.File("nope.db"));
        Assert.Equal(3, missing.ExitCode);
        Assert.False(File.Exists(dir.File("nope.db")), "checking a missing file created it");
    }

    public Task InitializeAsync() => Task.CompletedTask;

    public async Task DisposeAsync()
    {
        if (_restored is not null)
        {
            await _restored.DisposeAsync();
        }
        if (_bed is not null)
        {
            await _bed.DisposeAsync();
        }
    }
}
